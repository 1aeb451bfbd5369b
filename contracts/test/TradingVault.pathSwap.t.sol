// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ITradingVault} from "../src/interfaces/ITradingVault.sol";
import {GreedyERC20} from "./mocks/MockERC20.sol";
import {MaliciousRouter, MockSwapRouter} from "./mocks/MockSwapRouter.sol";
import {VaultFixture} from "./utils/VaultFixture.sol";

/// @notice Shared helpers for the path-swap tests (swapExactInput / swapExactOutput).
abstract contract PathSwapFixture is VaultFixture {
    bytes internal pathAB; // A, 3000, B
    bytes internal pathAHB; // A, 500, H, 3000, B (H not allowlisted)

    function setUp() public virtual override {
        super.setUp();
        pathAB = _path(address(tokenA), address(tokenB));
        pathAHB = _path(address(tokenA), address(hop), address(tokenB));
    }

    function _badRouter(MaliciousRouter.Mode mode) internal returns (MaliciousRouter bad) {
        bad = new MaliciousRouter(thief);
        bad.setMode(mode);
        vm.prank(owner);
        vault.setRouter(address(bad), true);
    }

    /// @dev Paths the vault must refuse with InvalidPath, whatever the swap side.
    function _malformedPaths() internal view returns (bytes[] memory p) {
        address a = address(tokenA);
        address b = address(tokenB);
        address h = address(hop);
        p = new bytes[](6);
        p[0] = abi.encodePacked(a); // no hop
        p[1] = "";
        p[2] = abi.encodePacked(a, uint24(3000), b, uint8(0)); // trailing byte
        p[3] = abi.encodePacked(a, uint24(3000), bytes19(bytes20(b))); // truncated token
        p[4] = abi.encodePacked(a, uint24(500), h, uint24(500), address(tokenC), uint24(500), b); // 3 hops > MAX_HOPS
        p[5] = abi.encodePacked(a, uint24(500), a, uint24(3000), b); // a token next to itself
    }
}

/// @notice swapExactInput: one rule per test.
contract TradingVaultSwapExactInputTest is PathSwapFixture {
    // ------------------------------------------------------------ happy paths
    function test_swapExactInput_oneHop_paysVault_resetsApproval_consumesCaps() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 100e18);
        vm.expectEmit(address(router));
        emit MockSwapRouter.PathUsed(pathAB); // exactInput gets the path tokenIn first
        vm.expectEmit(address(vault));
        emit ITradingVault.SwappedExactInput(
            address(router), address(tokenA), address(tokenB), pathAB, 100e18, 200e18, 200e18, false
        );
        uint256 out = _swapIn(r, "");
        assertEq(out, 200e18);
        assertEq(tokenA.balanceOf(address(vault)), FUNDING - 100e18);
        assertEq(tokenB.balanceOf(address(vault)), FUNDING + 200e18);
        assertEq(tokenA.allowance(address(vault), address(router)), 0);
        assertEq(vault.soldInWindow(address(tokenA)), 100e18);
    }

    function test_swapExactInput_twoHops_throughNonAllowlistedHop() public {
        assertFalse(vault.tokenConfig(address(hop)).allowed);
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 100e18);
        vm.expectEmit(address(router));
        emit MockSwapRouter.PathUsed(pathAHB);
        uint256 out = _swapIn(r, "");
        assertEq(out, 200e18); // 100 A -> 400 H -> 200 B
        assertEq(tokenB.balanceOf(address(vault)), FUNDING + 200e18);
        assertEq(hop.balanceOf(address(vault)), 0);
        assertEq(hop.allowance(address(vault), address(router)), 0);
        assertEq(vault.soldInWindow(address(tokenA)), 100e18);
        assertEq(vault.soldInWindow(address(hop)), 0);
    }

    // ------------------------------------------------------------ access / pause
    function test_swapExactInput_revertsForNonOperator() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 1e18);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.NotOperator.selector, owner));
        vault.swapExactInput(r, "");
    }

    function test_swapExactInput_revertsWhenPaused() public {
        vm.prank(guardian);
        vault.pause();
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 1e18);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        _swapIn(r, "");
    }

    // ------------------------------------------------------------ allowlists / path
    function test_swapExactInput_revertsForRouterNotAllowed() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 1e18);
        r.router = address(0xBEEF);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.RouterNotAllowed.selector, address(0xBEEF)));
        _swapIn(r, "");
    }

    function test_swapExactInput_revertsForTokenInNotAllowed() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 1e18);
        r.path = _path(address(tokenC), address(hop), address(tokenB));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TokenNotAllowed.selector, address(tokenC)));
        _swapIn(r, "");
    }

    function test_swapExactInput_revertsForTokenOutNotAllowed() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 1e18);
        r.path = _path(address(tokenA), address(hop), address(tokenC));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TokenNotAllowed.selector, address(tokenC)));
        _swapIn(r, "");
    }

    function test_swapExactInput_revertsForSameTokenAtBothEnds() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 1e18);
        r.path = _path(address(tokenA), address(tokenB), address(tokenA));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.SameToken.selector, address(tokenA)));
        _swapIn(r, "");
    }

    function test_swapExactInput_revertsForMalformedPaths() public {
        bytes[] memory bad = _malformedPaths();
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 1e18);
        for (uint256 i; i < bad.length; ++i) {
            r.path = bad[i];
            vm.expectRevert(abi.encodeWithSelector(ITradingVault.InvalidPath.selector, bad[i]));
            _swapIn(r, "");
        }
    }

    function test_swapExactInput_revertsWhenExpired() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 1e18);
        r.deadline = block.timestamp - 1;
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.Expired.selector, r.deadline, block.timestamp));
        _swapIn(r, "");
    }

    // ------------------------------------------------------------ slippage / output
    function test_swapExactInput_revertsWhenMinOutImpliesTooMuchSlippage() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 100e18);
        r.minAmountOut -= 1;
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.SlippageTooHigh.selector, r.minAmountOut, r.quotedAmountOut, SLIPPAGE_BPS)
        );
        _swapIn(r, "");
    }

    function test_swapExactInput_revertsForZeroMinOutOrQuote() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 100e18);
        (r.minAmountOut, r.quotedAmountOut) = (0, 0);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.SlippageTooHigh.selector, 0, 0, SLIPPAGE_BPS));
        _swapIn(r, "");
    }

    function test_swapExactInput_revertsForZeroAmount() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 100e18);
        r.amountIn = 0;
        vm.expectRevert(ITradingVault.ZeroAmount.selector);
        _swapIn(r, "");
    }

    function test_swapExactInput_revertsWhenReceivedBelowMinOut() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 100e18);
        r.router = address(_badRouter(MaliciousRouter.Mode.Underpay));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.InsufficientOutput.selector, r.minAmountOut / 2, r.minAmountOut));
        _swapIn(r, "");
    }

    function test_swapExactInput_revertsWhenRouterPaysSomeoneElse() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 100e18);
        r.router = address(_badRouter(MaliciousRouter.Mode.SendToThief));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.InsufficientOutput.selector, 0, r.minAmountOut));
        _swapIn(r, "");
        assertEq(tokenA.balanceOf(thief), 0);
    }

    function test_swapExactInput_routerCannotPullMoreThanAmountIn() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 100e18);
        r.router = address(_badRouter(MaliciousRouter.Mode.PullMore));
        vm.expectRevert(); // ERC20InsufficientAllowance from the token
        _swapIn(r, "");
        assertEq(tokenA.balanceOf(thief), 0);
    }

    function test_swapExactInput_revertsWhenMoreThanAmountInLeaves() public {
        GreedyERC20 greedy = _greedyToken(1);
        ITradingVault.PathSwapRequest memory r = _inReq(_path(address(greedy), address(tokenB)), 100e18);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.ExcessiveInput.selector, 100e18 + 1, 100e18));
        _swapIn(r, "");
    }

    function test_swapExactInput_routerCannotReenter() public {
        MaliciousRouter bad = _badRouter(MaliciousRouter.Mode.Reenter);
        ITradingVault.PathSwapRequest memory inner = _inReq(pathAB, 1e18);
        bad.setReenter(address(vault), abi.encodeCall(ITradingVault.swapExactInput, (inner, "")));
        ITradingVault.PathSwapRequest memory r = _inReq(pathAB, 1e18);
        r.router = address(bad);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.NotOperator.selector, address(bad)));
        _swapIn(r, "");
    }

    // ------------------------------------------------------------ caps
    function test_swapExactInput_revertsAbovePerTradeCap() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, PER_TRADE + 1);
        bytes memory sig = _ownerSig(r);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradeCapExceeded.selector, address(tokenA), PER_TRADE + 1, PER_TRADE));
        _swapIn(r, sig);
    }

    // ------------------------------------------------------------ owner signature
    function test_swapExactInput_aboveThresholdNeedsOwnerSignature() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, SIG_THRESHOLD + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.OwnerSignatureRequired.selector, address(tokenA), r.amountIn, SIG_THRESHOLD)
        );
        _swapIn(r, "");
    }

    function test_swapExactInput_aboveThresholdWithOwnerSignature() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 800e18);
        bytes memory sig = _ownerSig(r);
        vm.expectEmit(address(vault));
        emit ITradingVault.NonceUsed(0);
        _swapIn(r, sig);
        assertEq(vault.nonce(), 1);
    }

    function test_swapExactInput_signatureCannotBeReplayed() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 800e18);
        bytes memory sig = _ownerSig(r);
        _swapIn(r, sig);
        vm.expectPartialRevert(ITradingVault.InvalidOwnerSignature.selector);
        _swapIn(r, sig);
    }

    function test_swapExactInput_signatureFromNonOwnerRejected() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 800e18);
        bytes memory sig = _sign(0xB0B, vault.pathSwapDigest(r, vault.nonce()));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.InvalidOwnerSignature.selector, vm.addr(0xB0B)));
        _swapIn(r, sig);
    }

    function test_swapExactInput_signatureBoundToPath() public {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 800e18);
        bytes memory sig = _ownerSig(r);
        r.path = _path(address(tokenA), address(tokenB)); // operator re-routes after signing
        vm.expectPartialRevert(ITradingVault.InvalidOwnerSignature.selector);
        _swapIn(r, sig);
    }

    function test_pathSwapDigest_coversEveryField() public view {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 800e18);
        bytes32 d = vault.pathSwapDigest(r, 0);
        assertTrue(d != vault.pathSwapDigest(r, 1));
        ITradingVault.PathSwapRequest memory m = _inReq(pathAHB, 800e18);
        m.router = address(1);
        assertTrue(d != vault.pathSwapDigest(m, 0));
        m = _inReq(pathAHB, 800e18);
        m.path = abi.encodePacked(address(tokenA), uint24(3000), address(hop), uint24(3000), address(tokenB)); // fee only
        assertTrue(d != vault.pathSwapDigest(m, 0));
        m = _inReq(pathAHB, 800e18);
        m.amountIn += 1;
        assertTrue(d != vault.pathSwapDigest(m, 0));
        m = _inReq(pathAHB, 800e18);
        m.minAmountOut += 1;
        assertTrue(d != vault.pathSwapDigest(m, 0));
        m = _inReq(pathAHB, 800e18);
        m.quotedAmountOut += 1;
        assertTrue(d != vault.pathSwapDigest(m, 0));
        m = _inReq(pathAHB, 800e18);
        m.deadline += 1;
        assertTrue(d != vault.pathSwapDigest(m, 0));
    }

    /// @dev The digest is standard EIP-712 over the documented type string (what the service rebuilds).
    function test_pathSwapDigest_matchesEip712TypeString() public view {
        ITradingVault.PathSwapRequest memory r = _inReq(pathAHB, 800e18);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "PathSwapExactInput(address router,bytes path,uint256 amountIn,uint256 minAmountOut,uint256 quotedAmountOut,uint256 deadline,uint256 nonce)"
                ),
                r.router,
                keccak256(r.path),
                r.amountIn,
                r.minAmountOut,
                r.quotedAmountOut,
                r.deadline,
                uint256(7)
            )
        );
        assertEq(vault.pathSwapDigest(r, 7), keccak256(abi.encodePacked("\x19\x01", vault.domainSeparator(), structHash)));
    }

    function _greedyToken(uint256 extra) internal returns (GreedyERC20 greedy) {
        greedy = new GreedyERC20();
        greedy.setExtra(extra);
        greedy.mint(address(vault), FUNDING);
        router.setPrice(address(greedy), address(tokenB), 2e18);
        vm.prank(owner);
        vault.setTokenConfig(address(greedy), _cfg());
    }
}

/// @notice swapExactOutput: one rule per test.
contract TradingVaultSwapExactOutputTest is PathSwapFixture {
    // ------------------------------------------------------------ happy paths
    function test_swapExactOutput_oneHop_spendsQuote_resetsLeftoverApproval() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 200e18);
        assertEq(r.quotedAmountIn, 100e18);
        assertEq(r.maxAmountIn, 101e18);
        vm.expectEmit(address(router));
        emit MockSwapRouter.PathUsed(_reversed(pathAB)); // exactOutput gets the path tokenOut first
        vm.expectEmit(address(vault));
        emit ITradingVault.SwappedExactOutput(
            address(router), address(tokenA), address(tokenB), pathAB, 100e18, 200e18, 100e18, false
        );
        uint256 spent = _swapOut(r, "");
        assertEq(spent, 100e18);
        assertEq(tokenA.balanceOf(address(vault)), FUNDING - 100e18);
        assertEq(tokenB.balanceOf(address(vault)), FUNDING + 200e18);
        assertEq(tokenA.allowance(address(vault), address(router)), 0); // the unused 1e18 is not left approved
        assertEq(vault.soldInWindow(address(tokenA)), 100e18); // the amount spent, not maxAmountIn
    }

    function test_swapExactOutput_twoHops_pathReversedForRouter() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 200e18);
        vm.expectEmit(address(router));
        emit MockSwapRouter.PathUsed(abi.encodePacked(address(tokenB), uint24(3000), address(hop), uint24(500), address(tokenA)));
        uint256 spent = _swapOut(r, "");
        assertEq(spent, 100e18); // 200 B <- 400 H <- 100 A
        assertEq(tokenB.balanceOf(address(vault)), FUNDING + 200e18);
        assertEq(hop.balanceOf(address(vault)), 0);
        assertEq(tokenA.allowance(address(vault), address(router)), 0);
    }

    // ------------------------------------------------------------ access / pause
    function test_swapExactOutput_revertsForNonOperator() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 1e18);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.NotOperator.selector, guardian));
        vault.swapExactOutput(r, "");
    }

    function test_swapExactOutput_revertsWhenPaused() public {
        vm.prank(owner);
        vault.pause();
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 1e18);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        _swapOut(r, "");
    }

    // ------------------------------------------------------------ allowlists / path
    function test_swapExactOutput_revertsForRouterNotAllowed() public {
        vm.prank(owner);
        vault.setRouter(address(router), false);
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 1e18);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.RouterNotAllowed.selector, address(router)));
        _swapOut(r, "");
    }

    function test_swapExactOutput_revertsForTokenInNotAllowed() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 1e18);
        r.path = _path(address(tokenC), address(hop), address(tokenB));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TokenNotAllowed.selector, address(tokenC)));
        _swapOut(r, "");
    }

    function test_swapExactOutput_revertsForTokenOutNotAllowed() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 1e18);
        r.path = _path(address(tokenA), address(tokenC));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TokenNotAllowed.selector, address(tokenC)));
        _swapOut(r, "");
    }

    function test_swapExactOutput_revertsForSameTokenAtBothEnds() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 1e18);
        r.path = _path(address(tokenB), address(hop), address(tokenB));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.SameToken.selector, address(tokenB)));
        _swapOut(r, "");
    }

    function test_swapExactOutput_revertsForMalformedPaths() public {
        bytes[] memory bad = _malformedPaths();
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 1e18);
        for (uint256 i; i < bad.length; ++i) {
            r.path = bad[i];
            vm.expectRevert(abi.encodeWithSelector(ITradingVault.InvalidPath.selector, bad[i]));
            _swapOut(r, "");
        }
    }

    function test_swapExactOutput_revertsWhenExpired() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 1e18);
        vm.warp(r.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.Expired.selector, r.deadline, block.timestamp));
        _swapOut(r, "");
    }

    // ------------------------------------------------------------ slippage / input / output
    function test_swapExactOutput_revertsWhenMaxInImpliesTooMuchSlippage() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 200e18);
        r.maxAmountIn += 1; // one wei above quote * 1.01
        vm.expectRevert(
            abi.encodeWithSelector(
                ITradingVault.InputSlippageTooHigh.selector, r.maxAmountIn, r.quotedAmountIn, SLIPPAGE_BPS
            )
        );
        _swapOut(r, "");
    }

    function test_swapExactOutput_revertsForZeroMaxInOrQuote() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 200e18);
        (r.maxAmountIn, r.quotedAmountIn) = (0, 0);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.InputSlippageTooHigh.selector, 0, 0, SLIPPAGE_BPS));
        _swapOut(r, "");
    }

    function test_swapExactOutput_revertsForZeroAmountOut() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 200e18);
        r.amountOut = 0;
        vm.expectRevert(ITradingVault.ZeroAmount.selector);
        _swapOut(r, "");
    }

    /// @dev The operator under-quotes the input: the honest router refuses to take more than maxAmountIn.
    function test_swapExactOutput_revertsWhenRouterNeedsMoreThanMaxIn() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 200e18);
        r.quotedAmountIn = 90e18;
        r.maxAmountIn = 90.9e18; // within 1% of the (wrong) quote, below the 100e18 needed
        vm.expectRevert(bytes("Too much requested"));
        _swapOut(r, "");
    }

    /// @dev The vault's own bound, by balance difference, when a token charges more than the router pulled.
    function test_swapExactOutput_revertsWhenSpentAboveMaxIn() public {
        GreedyERC20 greedy = new GreedyERC20();
        greedy.setExtra(2e18);
        greedy.mint(address(vault), FUNDING);
        router.setPrice(address(greedy), address(tokenB), 2e18);
        vm.prank(owner);
        vault.setTokenConfig(address(greedy), _cfg());
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(_path(address(greedy), address(tokenB)), 200e18);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.ExcessiveInput.selector, 102e18, 101e18));
        _swapOut(r, "");
    }

    function test_swapExactOutput_routerCannotPullMoreThanMaxIn() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 200e18);
        r.router = address(_badRouter(MaliciousRouter.Mode.PullMore));
        vm.expectRevert(); // ERC20InsufficientAllowance from the token
        _swapOut(r, "");
        assertEq(tokenA.balanceOf(thief), 0);
    }

    function test_swapExactOutput_revertsWhenReceivedBelowAmountOut() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 200e18);
        r.router = address(_badRouter(MaliciousRouter.Mode.Underpay));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.InsufficientOutput.selector, 100e18, 200e18));
        _swapOut(r, "");
    }

    function test_swapExactOutput_revertsWhenRouterPaysSomeoneElse() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 200e18);
        r.router = address(_badRouter(MaliciousRouter.Mode.SendToThief));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.InsufficientOutput.selector, 0, 200e18));
        _swapOut(r, "");
        assertEq(tokenA.balanceOf(thief), 0);
    }

    // ------------------------------------------------------------ caps (on the amount actually spent)
    function test_swapExactOutput_perTradeCapOnAmountSpent() public {
        // maxAmountIn (1010e18) is above the cap but the 1000e18 spent is not: allowed
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 2 * uint256(PER_TRADE));
        assertGt(r.maxAmountIn, PER_TRADE);
        assertEq(_swapOut(r, _ownerSig(r)), PER_TRADE);
        assertEq(vault.soldInWindow(address(tokenA)), PER_TRADE);
    }

    function test_swapExactOutput_revertsAbovePerTradeCap() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 2 * uint256(PER_TRADE) + 2);
        bytes memory sig = _ownerSig(r);
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.TradeCapExceeded.selector, address(tokenA), PER_TRADE + 1, PER_TRADE)
        );
        _swapOut(r, sig);
        assertEq(vault.nonce(), 0); // the whole trade, signature use included, was undone
    }

    // ------------------------------------------------------------ owner signature
    /// @dev Decided on maxAmountIn, known before the call, even if the spend ends up at or below the threshold.
    function test_swapExactOutput_maxInAboveThresholdNeedsOwnerSignature() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAB, 2 * uint256(SIG_THRESHOLD)); // spends 500e18
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.OwnerSignatureRequired.selector, address(tokenA), r.maxAmountIn, SIG_THRESHOLD)
        );
        _swapOut(r, "");
        vm.expectEmit(address(vault));
        emit ITradingVault.NonceUsed(0);
        assertEq(_swapOut(r, _ownerSig(r)), SIG_THRESHOLD);
    }

    function test_swapExactOutput_belowThresholdNeedsNoSignature() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 900e18); // maxIn 454.5e18
        _swapOut(r, "");
        assertEq(vault.nonce(), 0);
    }

    function test_swapExactOutput_signatureCannotBeReplayed() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 1_600e18);
        bytes memory sig = _ownerSig(r);
        _swapOut(r, sig);
        vm.expectPartialRevert(ITradingVault.InvalidOwnerSignature.selector);
        _swapOut(r, sig);
    }

    function test_swapExactOutput_signatureFromNonOwnerRejected() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 1_600e18);
        bytes memory sig = _sign(0xB0B, vault.pathSwapExactOutputDigest(r, vault.nonce()));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.InvalidOwnerSignature.selector, vm.addr(0xB0B)));
        _swapOut(r, sig);
    }

    function test_swapExactOutput_signatureBoundToExactTrade() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 1_600e18);
        bytes memory sig = _ownerSig(r);
        r.amountOut = 1_700e18; // buys more after signing
        r.quotedAmountIn = 850e18;
        r.maxAmountIn = 858.5e18;
        vm.expectPartialRevert(ITradingVault.InvalidOwnerSignature.selector);
        _swapOut(r, sig);
    }

    /// @dev Different EIP-712 type names: an exact-input approval never authorises an exact-output trade.
    function test_exactInputSignatureNotValidForExactOutput() public {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 1_600e18);
        ITradingVault.PathSwapRequest memory asIn = ITradingVault.PathSwapRequest({
            router: r.router,
            path: r.path,
            amountIn: r.amountOut,
            minAmountOut: r.maxAmountIn,
            quotedAmountOut: r.quotedAmountIn,
            deadline: r.deadline
        });
        bytes memory sig = _sign(OWNER_PK, vault.pathSwapDigest(asIn, vault.nonce()));
        vm.expectPartialRevert(ITradingVault.InvalidOwnerSignature.selector);
        _swapOut(r, sig);
    }

    function test_pathSwapExactOutputDigest_matchesEip712TypeString() public view {
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(pathAHB, 1_600e18);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "PathSwapExactOutput(address router,bytes path,uint256 amountOut,uint256 maxAmountIn,uint256 quotedAmountIn,uint256 deadline,uint256 nonce)"
                ),
                r.router,
                keccak256(r.path),
                r.amountOut,
                r.maxAmountIn,
                r.quotedAmountIn,
                r.deadline,
                uint256(3)
            )
        );
        assertEq(
            vault.pathSwapExactOutputDigest(r, 3),
            keccak256(abi.encodePacked("\x19\x01", vault.domainSeparator(), structHash))
        );
    }
}

/// @notice swap, swapExactInput and swapExactOutput share one rolling window per token sold.
contract TradingVaultSharedWindowTest is PathSwapFixture {
    function test_dailyCap_sharedAcrossSingleAndPathSwaps() public {
        _swap(_req(400e18), ""); // 400 A
        vm.warp(block.timestamp + 1 hours);
        _swapIn(_inReq(pathAHB, 450e18), ""); // 850 A
        vm.warp(block.timestamp + 1 hours);
        assertEq(_swapOut(_outReq(pathAB, 900e18), ""), 450e18); // 1300 A
        vm.warp(block.timestamp + 1 hours);
        _swapOut(_outReq(pathAHB, 800e18), ""); // 1700 A
        _swap(_req(450e18), ""); // 2150 A
        assertEq(vault.soldInWindow(address(tokenA)), 2_150e18);

        // 350e18 left: each entry point is refused for more
        ITradingVault.SwapRequest memory s = _req(351e18);
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.DailyCapExceeded.selector, address(tokenA), 351e18, 2_150e18, PER_DAY)
        );
        _swap(s, "");
        ITradingVault.PathSwapRequest memory i = _inReq(pathAHB, 351e18);
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.DailyCapExceeded.selector, address(tokenA), 351e18, 2_150e18, PER_DAY)
        );
        _swapIn(i, "");
        ITradingVault.PathSwapExactOutputRequest memory o = _outReq(pathAB, 702e18);
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.DailyCapExceeded.selector, address(tokenA), 351e18, 2_150e18, PER_DAY)
        );
        _swapOut(o, "");

        // exactly what is left still goes through, by amount spent
        assertEq(_swapOut(_outReq(pathAHB, 700e18), ""), 350e18);
        assertEq(vault.soldInWindow(address(tokenA)), PER_DAY);

        // 24h after the first sale it has left the window (strict 24h; it may count up to 25h)
        vm.warp(1_700_000_000 + 25 hours);
        _swapIn(_inReq(pathAB, 400e18), "");
    }
}
