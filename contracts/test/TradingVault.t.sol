// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ITradingVault} from "../src/interfaces/ITradingVault.sol";
import {TradingVault} from "../src/TradingVault.sol";
import {MaliciousRouter} from "./mocks/MockSwapRouter.sol";
import {VaultFixture} from "./utils/VaultFixture.sol";

/// @notice One unit test per vault rule.
contract TradingVaultSwapTest is VaultFixture {
    // ------------------------------------------------------------ happy path
    function test_swap_paysOutputToVault_andResetsApproval() public {
        ITradingVault.SwapRequest memory r = _req(100e18);
        vm.expectEmit(address(vault));
        emit ITradingVault.Swapped(address(router), address(tokenA), address(tokenB), 100e18, 200e18, 200e18, false);
        uint256 out = _swap(r, "");
        assertEq(out, 200e18);
        assertEq(tokenA.balanceOf(address(vault)), FUNDING - 100e18);
        assertEq(tokenB.balanceOf(address(vault)), FUNDING + 200e18);
        assertEq(tokenA.allowance(address(vault), address(router)), 0);
        assertEq(vault.soldInWindow(address(tokenA)), 100e18);
    }

    // ------------------------------------------------------------ access
    function test_swap_revertsForNonOperator() public {
        ITradingVault.SwapRequest memory r = _req(1e18);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.NotOperator.selector, owner));
        vault.swap(r, "");
    }

    // ------------------------------------------------------------ allowlists
    function test_swap_revertsForRouterNotAllowed() public {
        ITradingVault.SwapRequest memory r = _req(1e18);
        r.router = address(0xBEEF);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.RouterNotAllowed.selector, address(0xBEEF)));
        _swap(r, "");
    }

    function test_swap_revertsAfterRouterRemoved() public {
        vm.prank(owner);
        vault.setRouter(address(router), false);
        ITradingVault.SwapRequest memory r = _req(1e18);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.RouterNotAllowed.selector, address(router)));
        _swap(r, "");
    }

    function test_swap_revertsForTokenInNotAllowed() public {
        ITradingVault.SwapRequest memory r = _req(1e18);
        r.tokenIn = address(tokenC);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TokenNotAllowed.selector, address(tokenC)));
        _swap(r, "");
    }

    function test_swap_revertsForTokenOutNotAllowed() public {
        ITradingVault.SwapRequest memory r = _req(1e18);
        r.tokenOut = address(tokenC);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TokenNotAllowed.selector, address(tokenC)));
        _swap(r, "");
    }

    function test_swap_revertsForSameToken() public {
        ITradingVault.SwapRequest memory r = _req(1e18);
        r.tokenOut = address(tokenA);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.SameToken.selector, address(tokenA)));
        _swap(r, "");
    }

    // ------------------------------------------------------------ slippage / output
    function test_swap_revertsWhenMinOutImpliesTooMuchSlippage() public {
        ITradingVault.SwapRequest memory r = _req(100e18);
        r.minAmountOut -= 1; // one wei below the 1% bound
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.SlippageTooHigh.selector, r.minAmountOut, r.quotedAmountOut, SLIPPAGE_BPS)
        );
        _swap(r, "");
    }

    function test_swap_revertsForZeroMinOutOrQuote() public {
        ITradingVault.SwapRequest memory r = _req(100e18);
        r.minAmountOut = 0;
        r.quotedAmountOut = 0;
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.SlippageTooHigh.selector, 0, 0, SLIPPAGE_BPS));
        _swap(r, "");
    }

    function test_swap_revertsWhenReceivedBelowMinOut() public {
        MaliciousRouter bad = _badRouter(MaliciousRouter.Mode.Underpay);
        ITradingVault.SwapRequest memory r = _req(100e18);
        r.router = address(bad);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.InsufficientOutput.selector, r.minAmountOut / 2, r.minAmountOut));
        _swap(r, "");
    }

    function test_swap_revertsWhenRouterPaysSomeoneElse() public {
        MaliciousRouter bad = _badRouter(MaliciousRouter.Mode.SendToThief);
        ITradingVault.SwapRequest memory r = _req(100e18);
        r.router = address(bad);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.InsufficientOutput.selector, 0, r.minAmountOut));
        _swap(r, "");
        assertEq(tokenA.balanceOf(thief), 0);
        assertEq(tokenB.balanceOf(thief), 0);
    }

    function test_swap_routerCannotPullMoreThanAmountIn() public {
        MaliciousRouter bad = _badRouter(MaliciousRouter.Mode.PullMore);
        ITradingVault.SwapRequest memory r = _req(100e18);
        r.router = address(bad);
        vm.expectRevert(); // ERC20InsufficientAllowance from the token
        _swap(r, "");
        assertEq(tokenA.balanceOf(thief), 0);
    }

    function test_swap_routerCannotReenter() public {
        MaliciousRouter bad = _badRouter(MaliciousRouter.Mode.Reenter);
        ITradingVault.SwapRequest memory r = _req(100e18);
        bad.setReenter(address(vault), abi.encodeCall(ITradingVault.withdraw, (address(tokenA), thief, 1e18)));
        r.router = address(bad);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(bad)));
        _swap(r, "");
    }

    function test_swap_revertsWhenExpired() public {
        ITradingVault.SwapRequest memory r = _req(1e18);
        r.deadline = block.timestamp - 1;
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.Expired.selector, r.deadline, block.timestamp));
        _swap(r, "");
    }

    // ------------------------------------------------------------ caps
    function test_swap_revertsAbovePerTradeCap() public {
        ITradingVault.SwapRequest memory r = _req(PER_TRADE + 1);
        bytes memory sig = _ownerSig(r);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradeCapExceeded.selector, address(tokenA), PER_TRADE + 1, PER_TRADE));
        _swap(r, sig);
    }

    function test_swap_dailyCapIsRolling24h() public {
        uint256 amt = 400e18; // below signature threshold
        for (uint256 i; i < 6; ++i) {
            _swap(_req(amt), ""); // 2400e18 sold
            vm.warp(block.timestamp + 10 minutes);
        }
        ITradingVault.SwapRequest memory r = _req(amt);
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.DailyCapExceeded.selector, address(tokenA), amt, 6 * amt, PER_DAY)
        );
        _swap(r, "");
        // 23h59m after the first trade: still inside the window
        vm.warp(1_700_000_000 + 24 hours - 1);
        r = _req(amt);
        vm.expectPartialRevert(ITradingVault.DailyCapExceeded.selector);
        _swap(r, "");
        // a full 25h later everything has expired
        vm.warp(1_700_000_000 + 25 hours + 1 hours);
        _swap(_req(amt), "");
        assertEq(vault.soldInWindow(address(tokenA)), amt);
    }

    function test_caps_arePerToken() public {
        for (uint256 i; i < 6; ++i) {
            _swap(_req(400e18), "");
        }
        // selling B is still possible while A's window is nearly full
        ITradingVault.SwapRequest memory r = _req(400e18);
        (r.tokenIn, r.tokenOut) = (address(tokenB), address(tokenA));
        r.quotedAmountOut = 200e18;
        r.minAmountOut = 200e18;
        _swap(r, "");
        assertEq(vault.soldInWindow(address(tokenB)), 400e18);
    }

    // ------------------------------------------------------------ owner signature
    function test_swap_aboveThresholdNeedsOwnerSignature() public {
        ITradingVault.SwapRequest memory r = _req(SIG_THRESHOLD + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.OwnerSignatureRequired.selector, address(tokenA), r.amountIn, SIG_THRESHOLD)
        );
        _swap(r, "");
    }

    function test_swap_aboveThresholdWithOwnerSignature() public {
        ITradingVault.SwapRequest memory r = _req(800e18);
        bytes memory sig = _ownerSig(r);
        vm.expectEmit(address(vault));
        emit ITradingVault.NonceUsed(0);
        _swap(r, sig);
        assertEq(vault.nonce(), 1);
    }

    function test_signature_cannotBeReplayed() public {
        ITradingVault.SwapRequest memory r = _req(800e18);
        bytes memory sig = _ownerSig(r);
        _swap(r, sig);
        vm.expectPartialRevert(ITradingVault.InvalidOwnerSignature.selector);
        _swap(r, sig);
    }

    function test_signature_boundToExactTrade() public {
        ITradingVault.SwapRequest memory r = _req(800e18);
        bytes memory sig = _ownerSig(r);
        r.amountIn = 900e18; // operator changes the amount after signing
        r.quotedAmountOut = 1800e18;
        r.minAmountOut = 1782e18;
        vm.expectPartialRevert(ITradingVault.InvalidOwnerSignature.selector);
        _swap(r, sig);
    }

    function test_signature_fromNonOwnerRejected() public {
        ITradingVault.SwapRequest memory r = _req(800e18);
        bytes memory sig = _sign(0xB0B, vault.swapDigest(r, vault.nonce()));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.InvalidOwnerSignature.selector, vm.addr(0xB0B)));
        _swap(r, sig);
    }

    function test_signature_expiresWithDeadline() public {
        ITradingVault.SwapRequest memory r = _req(800e18);
        bytes memory sig = _ownerSig(r);
        vm.warp(r.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.Expired.selector, r.deadline, block.timestamp));
        _swap(r, sig);
    }

    function test_signature_cancelledByOwner() public {
        ITradingVault.SwapRequest memory r = _req(800e18);
        bytes memory sig = _ownerSig(r);
        vm.prank(owner);
        vault.cancelNextNonce();
        vm.expectPartialRevert(ITradingVault.InvalidOwnerSignature.selector);
        _swap(r, sig);
    }

    function test_signature_boundToVaultDomain() public {
        TradingVault other = new TradingVault(owner, operator, guardian, SLIPPAGE_BPS, _emptyConfig());
        ITradingVault.SwapRequest memory r = _req(800e18);
        assertTrue(other.swapDigest(r, 0) != vault.swapDigest(r, 0));
    }

    // ------------------------------------------------------------ helpers
    function _badRouter(MaliciousRouter.Mode mode) internal returns (MaliciousRouter bad) {
        bad = new MaliciousRouter(thief);
        bad.setMode(mode);
        vm.prank(owner);
        vault.setRouter(address(bad), true);
    }
}

contract TradingVaultOwnerTest is VaultFixture {
    function test_owner_withdrawsAnyToken() public {
        vm.expectEmit(address(vault));
        emit ITradingVault.Withdrawn(address(tokenC), owner, 5e18);
        vm.prank(owner);
        vault.withdraw(address(tokenC), owner, 5e18); // C is not allowlisted
        assertEq(tokenC.balanceOf(owner), 5e18);
    }

    function test_owner_withdrawsEverythingWhilePaused() public {
        vm.prank(guardian);
        vault.pause();
        address[] memory tokens = new address[](3);
        (tokens[0], tokens[1], tokens[2]) = (address(tokenA), address(tokenB), address(tokenC));
        vm.prank(owner);
        vault.withdrawAll(tokens, owner);
        assertEq(tokenA.balanceOf(owner), FUNDING);
        assertEq(tokenB.balanceOf(owner), FUNDING);
        assertEq(tokenC.balanceOf(owner), FUNDING);
        assertEq(tokenA.balanceOf(address(vault)), 0);
    }

    function test_withdraw_onlyOwner() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, operator));
        vault.withdraw(address(tokenA), operator, 1);
    }

    function test_withdraw_rejectsZeroRecipient() public {
        vm.prank(owner);
        vm.expectRevert(ITradingVault.ZeroAddress.selector);
        vault.withdraw(address(tokenA), address(0), 1);
    }

    function test_deposit_pullsFromCaller() public {
        tokenA.mint(owner, 7e18);
        vm.startPrank(owner);
        tokenA.approve(address(vault), 7e18);
        vm.expectEmit(address(vault));
        emit ITradingVault.Deposited(owner, address(tokenA), 7e18);
        vault.deposit(address(tokenA), 7e18);
        vm.stopPrank();
        assertEq(tokenA.balanceOf(address(vault)), FUNDING + 7e18);
    }

    function test_operator_revokeAndReplace() public {
        address next = makeAddr("next");
        vm.expectEmit(address(vault));
        emit ITradingVault.OperatorChanged(operator, next);
        vm.prank(owner);
        vault.setOperator(next);
        ITradingVault.SwapRequest memory r = _req(1e18);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.NotOperator.selector, operator));
        _swap(r, "");
        vm.prank(next);
        vault.swap(r, "");
        vm.prank(owner);
        vault.setOperator(address(0));
        vm.prank(next);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.NotOperator.selector, next));
        vault.swap(r, "");
    }

    function test_settersAreOwnerOnly() public {
        vm.startPrank(operator);
        bytes memory err = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, operator);
        vm.expectRevert(err);
        vault.setOperator(operator);
        vm.expectRevert(err);
        vault.setGuardian(operator);
        vm.expectRevert(err);
        vault.setRouter(address(1), true);
        vm.expectRevert(err);
        vault.setYieldVault(address(1), true);
        vm.expectRevert(err);
        vault.setTokenConfig(address(tokenC), _cfg());
        vm.expectRevert(err);
        vault.setMaxSlippageBps(10_000);
        vm.expectRevert(err);
        vault.cancelNextNonce();
        vm.expectRevert(err);
        vault.unpause();
        vm.stopPrank();
    }

    function test_ownerChangesLimits() public {
        ITradingVault.TokenConfig memory c = _cfg();
        c.maxPerTrade = 10e18;
        vm.expectEmit(address(vault));
        emit ITradingVault.TokenConfigured(address(tokenA), true, 10e18, PER_DAY, SIG_THRESHOLD);
        vm.prank(owner);
        vault.setTokenConfig(address(tokenA), c);
        assertEq(vault.tokenConfig(address(tokenA)).maxPerTrade, 10e18);
        ITradingVault.SwapRequest memory r = _req(11e18);
        vm.expectPartialRevert(ITradingVault.TradeCapExceeded.selector);
        _swap(r, "");
    }

    function test_maxSlippageBpsBounded() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.SlippageBpsOutOfRange.selector, 10_001));
        vault.setMaxSlippageBps(10_001);
    }

    function test_renounceOwnershipDisabled() public {
        vm.prank(owner);
        vm.expectRevert(ITradingVault.RenounceDisabled.selector);
        vault.renounceOwnership();
        assertEq(vault.owner(), owner);
    }

    function test_ownershipTransferIsTwoStep() public {
        address newOwner = makeAddr("newOwner");
        vm.prank(owner);
        vault.transferOwnership(newOwner);
        assertEq(vault.owner(), owner);
        vm.prank(newOwner);
        vault.acceptOwnership();
        assertEq(vault.owner(), newOwner);
    }
}

contract TradingVaultPauseTest is VaultFixture {
    function test_guardianPausesOperator() public {
        vm.prank(guardian);
        vault.pause();
        ITradingVault.SwapRequest memory r = _req(1e18);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        _swap(r, "");
        vm.prank(operator);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vault.depositToYield(address(yieldVault), 1e18, 1e18, block.timestamp, "");
    }

    function test_onlyOwnerUnpauses() public {
        vm.prank(guardian);
        vault.pause();
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vault.unpause();
        vm.prank(owner);
        vault.unpause();
        _swap(_req(1e18), "");
    }

    function test_strangerCannotPause() public {
        vm.prank(thief);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.NotGuardianOrOwner.selector, thief));
        vault.pause();
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.NotGuardianOrOwner.selector, operator));
        vault.pause();
    }

    function test_ownerCanPause() public {
        vm.prank(owner);
        vault.pause();
        assertTrue(vault.paused());
    }
}

contract TradingVaultYieldTest is VaultFixture {
    function test_depositAndRedeem_throughAllowlistedVault() public {
        vm.startPrank(operator);
        uint256 shares = vault.depositToYield(address(yieldVault), 100e18, 100e18, block.timestamp, "");
        assertEq(shares, 100e18);
        assertEq(yieldVault.balanceOf(address(vault)), 100e18);
        assertEq(tokenA.allowance(address(vault), address(yieldVault)), 0);
        uint256 assets = vault.redeemFromYield(address(yieldVault), 40e18, 40e18, block.timestamp, "");
        vm.stopPrank();
        assertEq(assets, 40e18);
        assertEq(tokenA.balanceOf(address(vault)), FUNDING - 60e18);
        assertEq(vault.soldInWindow(address(tokenA)), 100e18);
        assertEq(vault.soldInWindow(address(yieldVault)), 40e18);
    }

    function test_deposit_revertsForVaultNotAllowed() public {
        vm.prank(owner);
        vault.setYieldVault(address(yieldVault), false);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.YieldVaultNotAllowed.selector, address(yieldVault)));
        vault.depositToYield(address(yieldVault), 1e18, 1e18, block.timestamp, "");
    }

    function test_deposit_respectsCapsAndSignature() public {
        vm.startPrank(operator);
        vm.expectPartialRevert(ITradingVault.TradeCapExceeded.selector);
        vault.depositToYield(address(yieldVault), PER_TRADE + 1, PER_TRADE + 1, block.timestamp, "");
        vm.expectPartialRevert(ITradingVault.OwnerSignatureRequired.selector);
        vault.depositToYield(address(yieldVault), 600e18, 600e18, block.timestamp, "");
        vm.stopPrank();
        bytes memory sig = _sign(OWNER_PK, vault.yieldDigest(true, address(yieldVault), 600e18, 600e18, block.timestamp, 0));
        vm.prank(operator);
        vault.depositToYield(address(yieldVault), 600e18, 600e18, block.timestamp, sig);
        assertEq(vault.nonce(), 1);
    }

    function test_deposit_slippageAgainstPreview() public {
        vm.prank(operator);
        vm.expectPartialRevert(ITradingVault.SlippageTooHigh.selector);
        vault.depositToYield(address(yieldVault), 100e18, 98e18, block.timestamp, "");
    }

    function test_deposit_needsShareTokenAllowlisted() public {
        ITradingVault.TokenConfig memory off;
        vm.prank(owner);
        vault.setTokenConfig(address(yieldVault), off);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TokenNotAllowed.selector, address(yieldVault)));
        vault.depositToYield(address(yieldVault), 1e18, 1e18, block.timestamp, "");
    }
}
