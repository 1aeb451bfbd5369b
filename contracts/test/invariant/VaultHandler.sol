// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {TradingVault} from "../../src/TradingVault.sol";
import {ITradingVault} from "../../src/interfaces/ITradingVault.sol";
import {MockERC20} from "../mocks/MockERC20.sol";
import {MockSwapRouter, MaliciousRouter} from "../mocks/MockSwapRouter.sol";
import {MockERC4626} from "../mocks/MockERC4626.sol";

/// @notice Drives the vault as operator (single-pool swaps and one- or two-hop exact-input / exact-output
///         path swaps, through good, malicious and non-allowlisted routers, with honest and greedy slippage,
///         with and without owner signatures), as guardian/owner toggling pause, and moves time. Records
///         every successful operator sale (the measured amount of the token sold) for the invariants.
contract VaultHandler is CommonBase, StdCheats, StdUtils {
    struct Sale {
        address token;
        uint256 amount;
        uint256 timestamp;
    }

    TradingVault public immutable vault;
    MockERC20 public immutable tokenA;
    MockERC20 public immutable tokenB;
    address public immutable hop; // a path's middle token, never allowlisted
    MockSwapRouter public immutable router;
    MockERC4626 public immutable yieldVault;
    address public immutable operator;
    address public immutable owner;
    address public immutable guardian;
    uint256 internal immutable ownerPk;
    address[] public routers; // [good, thief, underpay, pullMore, notAllowlisted]

    Sale[] internal _sales;
    uint256 public successWhilePaused;
    uint256 public successes;
    uint256 public belowMinOut;

    constructor(
        TradingVault vault_,
        MockERC20 a,
        MockERC20 b,
        address hop_,
        MockSwapRouter router_,
        MockERC4626 yv,
        address[] memory routers_,
        address operator_,
        uint256 ownerPk_,
        address guardian_
    ) {
        (vault, tokenA, tokenB, router, yieldVault) = (vault_, a, b, router_, yv);
        hop = hop_;
        routers = routers_;
        (operator, ownerPk, guardian) = (operator_, ownerPk_, guardian_);
        owner = vm.addr(ownerPk_);
    }

    function swap(uint256 amount, uint256 routerSeed, bool aToB, uint256 slipSeed, bool sign) external {
        ITradingVault.SwapRequest memory req = _request(amount, routerSeed, aToB, slipSeed);
        if (req.quotedAmountOut == 0) return;
        bytes memory sig;
        if (sign) {
            (uint8 v, bytes32 rr, bytes32 s) = vm.sign(ownerPk, vault.swapDigest(req, vault.nonce()));
            sig = abi.encodePacked(rr, s, v);
        }
        bool wasPaused = vault.paused();
        uint256 outBefore = MockERC20(req.tokenOut).balanceOf(address(vault));
        vm.prank(operator);
        try vault.swap(req, sig) returns (uint256 out) {
            _record(req.tokenIn, req.amountIn, wasPaused);
            uint256 got = MockERC20(req.tokenOut).balanceOf(address(vault)) - outBefore;
            if (got < req.minAmountOut || out < req.minAmountOut) ++belowMinOut;
        } catch {}
    }

    function swapExactInput(uint256 amount, uint256 routerSeed, bool aToB, uint256 slipSeed, bool sign, bool twoHops)
        external
    {
        (address tin, address tout, bytes memory path) = _route(aToB, twoHops);
        ITradingVault.PathSwapRequest memory req = _inRequest(path, amount, routerSeed, slipSeed);
        if (req.quotedAmountOut == 0) return;
        bytes memory sig = sign ? _signed(vault.pathSwapDigest(req, vault.nonce())) : bytes("");
        Before memory b = _before(tin, tout);
        vm.prank(operator);
        try vault.swapExactInput(req, sig) returns (uint256 out) {
            (uint256 spent, uint256 got) = _after(b);
            _record(tin, spent, b.wasPaused);
            if (got < req.minAmountOut || out < req.minAmountOut) ++belowMinOut;
        } catch {}
    }

    /// @dev maxAmountIn up to 3% above the quote: sometimes inside the owner's 1%, sometimes not.
    function swapExactOutput(uint256 amountOut, uint256 routerSeed, bool aToB, uint256 slipSeed, bool sign, bool twoHops)
        external
    {
        (address tin, address tout, bytes memory path) = _route(aToB, twoHops);
        ITradingVault.PathSwapExactOutputRequest memory req =
            _outRequest(path, _reversed(tin, tout, twoHops), amountOut, routerSeed, slipSeed);
        bytes memory sig = sign ? _signed(vault.pathSwapExactOutputDigest(req, vault.nonce())) : bytes("");
        Before memory b = _before(tin, tout);
        vm.prank(operator);
        try vault.swapExactOutput(req, sig) returns (uint256 reported) {
            (uint256 spent, uint256 got) = _after(b);
            _record(tin, spent, b.wasPaused);
            if (got < req.amountOut || reported != spent || spent > req.maxAmountIn) ++belowMinOut;
        } catch {}
    }

    struct Before {
        address tokenIn;
        address tokenOut;
        uint256 inBalance;
        uint256 outBalance;
        bool wasPaused;
    }

    function _before(address tin, address tout) internal view returns (Before memory b) {
        b = Before(tin, tout, MockERC20(tin).balanceOf(address(vault)), MockERC20(tout).balanceOf(address(vault)), vault.paused());
    }

    /// @dev Measured tokenIn spent and tokenOut received by the vault since {_before}.
    function _after(Before memory b) internal view returns (uint256 spent, uint256 got) {
        spent = b.inBalance - MockERC20(b.tokenIn).balanceOf(address(vault));
        got = MockERC20(b.tokenOut).balanceOf(address(vault)) - b.outBalance;
    }

    /// @dev Slips up to 3% below the quote.
    function _inRequest(bytes memory path, uint256 amount, uint256 routerSeed, uint256 slipSeed)
        internal
        view
        returns (ITradingVault.PathSwapRequest memory req)
    {
        amount = bound(amount, 1, 1_500e18);
        uint256 q = router.quoteExactInput(path, amount);
        req = ITradingVault.PathSwapRequest({
            router: routers[routerSeed % routers.length],
            path: path,
            amountIn: amount,
            minAmountOut: q - q * bound(slipSeed, 0, 300) / 10_000,
            quotedAmountOut: q,
            deadline: block.timestamp + 1 hours
        });
    }

    function _outRequest(bytes memory path, bytes memory reversed, uint256 amountOut, uint256 routerSeed, uint256 slipSeed)
        internal
        view
        returns (ITradingVault.PathSwapExactOutputRequest memory req)
    {
        amountOut = bound(amountOut, 1, 3_000e18);
        uint256 q = router.quoteExactOutput(reversed, amountOut);
        req = ITradingVault.PathSwapExactOutputRequest({
            router: routers[routerSeed % routers.length],
            path: path,
            amountOut: amountOut,
            maxAmountIn: q + q * bound(slipSeed, 0, 300) / 10_000,
            quotedAmountIn: q,
            deadline: block.timestamp + 1 hours
        });
    }

    function _route(bool aToB, bool twoHops) internal view returns (address tin, address tout, bytes memory path) {
        (tin, tout) = aToB ? (address(tokenA), address(tokenB)) : (address(tokenB), address(tokenA));
        path = twoHops
            ? abi.encodePacked(tin, uint24(500), hop, uint24(3000), tout)
            : abi.encodePacked(tin, uint24(3000), tout);
    }

    /// @dev The router's exact-output order (tokenOut first) of {_route}'s path, for quoting.
    function _reversed(address tin, address tout, bool twoHops) internal view returns (bytes memory) {
        return twoHops
            ? abi.encodePacked(tout, uint24(3000), hop, uint24(500), tin)
            : abi.encodePacked(tout, uint24(3000), tin);
    }

    function _signed(bytes32 digest) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerPk, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Slips up to 3% below the quote: sometimes inside the owner's 1%, sometimes not.
    function _request(uint256 amount, uint256 routerSeed, bool aToB, uint256 slipSeed)
        internal
        view
        returns (ITradingVault.SwapRequest memory req)
    {
        (address tin, address tout) = aToB ? (address(tokenA), address(tokenB)) : (address(tokenB), address(tokenA));
        amount = bound(amount, 1, 1_500e18);
        uint256 q = router.quote(tin, tout, amount);
        req = ITradingVault.SwapRequest({
            router: routers[routerSeed % routers.length],
            tokenIn: tin,
            tokenOut: tout,
            fee: 3000,
            amountIn: amount,
            minAmountOut: q - q * bound(slipSeed, 0, 300) / 10_000,
            quotedAmountOut: q,
            deadline: block.timestamp + 1 hours
        });
    }

    function depositToYield(uint256 assets) external {
        assets = bound(assets, 1, 1_500e18);
        bool wasPaused = vault.paused();
        vm.prank(operator);
        try vault.depositToYield(address(yieldVault), assets, assets, block.timestamp, "") {
            _record(address(tokenA), assets, wasPaused);
        } catch {}
    }

    function redeemFromYield(uint256 shares) external {
        shares = bound(shares, 1, 1_500e18);
        bool wasPaused = vault.paused();
        vm.prank(operator);
        try vault.redeemFromYield(address(yieldVault), shares, shares, block.timestamp, "") {
            _record(address(yieldVault), shares, wasPaused);
        } catch {}
    }

    function pause(bool byOwner) external {
        if (vault.paused()) return;
        vm.prank(byOwner ? owner : guardian);
        vault.pause();
    }

    function unpause() external {
        if (!vault.paused()) return;
        vm.prank(owner);
        vault.unpause();
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 8 hours));
    }

    function salesLength() external view returns (uint256) {
        return _sales.length;
    }

    function sale(uint256 i) external view returns (Sale memory) {
        return _sales[i];
    }

    function _record(address token, uint256 amount, bool wasPaused) internal {
        ++successes;
        if (wasPaused) ++successWhilePaused;
        _sales.push(Sale(token, amount, block.timestamp));
    }
}
