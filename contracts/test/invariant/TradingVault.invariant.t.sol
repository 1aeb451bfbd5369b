// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MaliciousRouter} from "../mocks/MockSwapRouter.sol";
import {VaultFixture} from "../utils/VaultFixture.sol";
import {VaultHandler} from "./VaultHandler.sol";

/// @notice Stateful properties of the vault under a random operator/guardian/time sequence.
contract TradingVaultInvariantTest is VaultFixture {
    VaultHandler internal handler;
    address[] internal routerList;

    function setUp() public override {
        super.setUp();
        // Malicious routers are ALLOWLISTED on purpose: the vault's own checks must hold even if
        // the owner allowlisted a buggy or compromised router.
        MaliciousRouter.Mode[3] memory modes =
            [MaliciousRouter.Mode.SendToThief, MaliciousRouter.Mode.Underpay, MaliciousRouter.Mode.PullMore];
        routerList.push(address(router));
        for (uint256 i; i < modes.length; ++i) {
            MaliciousRouter bad = new MaliciousRouter(thief);
            bad.setMode(modes[i]);
            vm.prank(owner);
            vault.setRouter(address(bad), true);
            routerList.push(address(bad));
        }
        routerList.push(address(new MaliciousRouter(thief))); // never allowlisted
        handler = new VaultHandler(vault, tokenA, tokenB, address(hop), router, yieldVault, routerList, operator, OWNER_PK, guardian);
        targetContract(address(handler));
    }

    /// @dev Value only ever sits in the vault, the ERC-4626 position or the honest router that paid for it:
    ///      nothing reaches the thief, a misbehaving router, or the operator.
    function invariant_valueStaysInVaultOrAllowedPositions() public view {
        address[2] memory toks = [address(tokenA), address(tokenB)];
        for (uint256 t; t < 2; ++t) {
            uint256 held = _bal(toks[t], address(vault)) + _bal(toks[t], address(yieldVault)) + _bal(toks[t], address(router));
            assertEq(held, _supply(toks[t]), "value escaped the vault");
            assertEq(_bal(toks[t], thief), 0);
            assertEq(_bal(toks[t], operator), 0);
        }
        assertEq(handler.belowMinOut(), 0, "a trade paid less than minOut");
        assertEq(hop.totalSupply(), 0); // hop tokens never appear, let alone reach the vault
    }

    /// @dev Between operator actions the vault leaves no token approved to any router (exact, reset to zero).
    function invariant_noApprovalLeftToAnyRouter() public view {
        for (uint256 i; i < routerList.length; ++i) {
            assertEq(tokenA.allowance(address(vault), routerList[i]), 0);
            assertEq(tokenB.allowance(address(vault), routerList[i]), 0);
        }
    }

    function invariant_noOperatorActionWhilePaused() public view {
        assertEq(handler.successWhilePaused(), 0);
    }

    /// @dev Each sale <= per-trade cap; sales of a token in any 24h interval <= daily cap.
    function invariant_capsNeverExceeded() public view {
        uint256 n = handler.salesLength();
        for (uint256 i; i < n; ++i) {
            VaultHandler.Sale memory si = handler.sale(i);
            assertLe(si.amount, PER_TRADE);
            uint256 sum;
            for (uint256 j; j <= i; ++j) {
                VaultHandler.Sale memory sj = handler.sale(j);
                if (sj.token == si.token && sj.timestamp + 24 hours > si.timestamp) sum += sj.amount;
            }
            assertLe(sum, PER_DAY, "daily cap exceeded");
        }
    }

    /// @dev Whatever state the sequence left (paused or not), the owner can take everything out.
    function invariant_ownerCanAlwaysWithdrawEverything() public {
        uint256 snap = vm.snapshotState();
        address[] memory toks = new address[](4);
        (toks[0], toks[1], toks[2], toks[3]) = (address(tokenA), address(tokenB), address(tokenC), address(yieldVault));
        uint256[] memory expected = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            expected[i] = _bal(toks[i], address(vault));
        }
        vm.prank(owner);
        vault.withdrawAll(toks, owner);
        for (uint256 i; i < 4; ++i) {
            assertEq(_bal(toks[i], address(vault)), 0);
            assertEq(_bal(toks[i], owner), expected[i]);
        }
        vm.revertToState(snap);
    }

    /// @dev Guards against vacuous invariants: the handler's operator paths really do succeed.
    function test_handlerPathsSucceed() public {
        handler.depositToYield(5e18);
        handler.redeemFromYield(2e18);
        handler.swap(5e18, 0, true, 0, false); // honest router, inside slippage
        handler.swap(600e18, 0, false, 50, true); // above threshold, owner-signed
        handler.swapExactInput(5e18, 0, true, 0, false, false); // one hop
        handler.swapExactInput(5e18, 0, false, 50, false, true); // two hops, B -> H -> A
        handler.swapExactOutput(8e18, 0, true, 0, false, true); // two hops, exact out
        handler.swapExactOutput(1_200e18, 0, true, 50, true, false); // maxIn 606e18 > threshold, owner-signed
        handler.swap(5e18, 1, true, 0, false); // thief router: must fail
        handler.swapExactInput(5e18, 2, true, 0, false, true); // underpaying router: must fail
        handler.swapExactOutput(5e18, 3, true, 0, false, false); // over-pulling router: must fail
        handler.swapExactOutput(5e18, 0, true, 300, false, false); // maxIn 3% above the quote (> 1%): must fail
        handler.pause(false);
        handler.swap(5e18, 0, true, 0, false); // paused: must fail
        handler.swapExactInput(5e18, 0, true, 0, false, false); // paused: must fail
        handler.swapExactOutput(5e18, 0, true, 0, false, false); // paused: must fail
        assertEq(handler.successes(), 8);
        assertEq(handler.successWhilePaused(), 0);
    }

    function _bal(address token, address who) internal view returns (uint256) {
        return _erc20(token).balanceOf(who);
    }

    function _supply(address token) internal view returns (uint256) {
        return _erc20(token).totalSupply();
    }

    function _erc20(address token) internal pure returns (IERC20Like) {
        return IERC20Like(token);
    }
}

interface IERC20Like {
    function balanceOf(address) external view returns (uint256);
    function totalSupply() external view returns (uint256);
}
