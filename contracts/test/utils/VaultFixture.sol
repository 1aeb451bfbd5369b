// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {TradingVault} from "../../src/TradingVault.sol";
import {ITradingVault} from "../../src/interfaces/ITradingVault.sol";
import {MockERC20} from "../mocks/MockERC20.sol";
import {MockSwapRouter} from "../mocks/MockSwapRouter.sol";
import {MockERC4626} from "../mocks/MockERC4626.sol";

/// @notice Shared deployment: a vault with two allowlisted tokens (A, B), one non-allowlisted (C),
///         a mock router (1 A = 2 B, also through the hop token H: 1 A = 4 H, 1 H = 0.5 B) and an ERC-4626
///         vault over A. H is never allowlisted and the vault holds none: it is only a path's middle hop.
abstract contract VaultFixture is Test {
    uint256 internal constant OWNER_PK = 0xA11CE;
    uint256 internal constant SLIPPAGE_BPS = 100; // 1%
    uint128 internal constant PER_TRADE = 1_000e18;
    uint128 internal constant PER_DAY = 2_500e18;
    uint128 internal constant SIG_THRESHOLD = 500e18;
    uint256 internal constant FUNDING = 10_000e18;

    address internal owner;
    address internal operator = makeAddr("operator");
    address internal guardian = makeAddr("guardian");
    address internal thief = makeAddr("thief");

    TradingVault internal vault;
    MockERC20 internal tokenA;
    MockERC20 internal tokenB;
    MockERC20 internal tokenC;
    MockERC20 internal hop;
    MockSwapRouter internal router;
    MockERC4626 internal yieldVault;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        owner = vm.addr(OWNER_PK);
        tokenA = new MockERC20("Token A", "A", 18);
        tokenB = new MockERC20("Token B", "B", 18);
        tokenC = new MockERC20("Token C", "C", 18);
        router = new MockSwapRouter();
        router.setPrice(address(tokenA), address(tokenB), 2e18);
        router.setPrice(address(tokenB), address(tokenA), 0.5e18);
        hop = new MockERC20("Hop", "H", 18);
        router.setPrice(address(tokenA), address(hop), 4e18);
        router.setPrice(address(hop), address(tokenB), 0.5e18);
        router.setPrice(address(tokenB), address(hop), 2e18);
        router.setPrice(address(hop), address(tokenA), 0.25e18);
        yieldVault = new MockERC4626(tokenA);

        // Configured at construction (what the factory does); the owner setters are exercised by the tests.
        vault = new TradingVault(owner, operator, guardian, SLIPPAGE_BPS, _initialConfig());

        tokenA.mint(address(vault), FUNDING);
        tokenB.mint(address(vault), FUNDING);
        tokenC.mint(address(vault), FUNDING);
    }

    /// @dev Router, tokens A, B and the ERC-4626 share token (all with `_cfg()`), the ERC-4626 vault.
    function _initialConfig() internal view returns (ITradingVault.InitialConfig memory c) {
        c.routers = new address[](1);
        c.routers[0] = address(router);
        c.tokens = new address[](3);
        c.tokens[0] = address(tokenA);
        c.tokens[1] = address(tokenB);
        c.tokens[2] = address(yieldVault);
        c.tokenConfigs = new ITradingVault.TokenConfig[](3);
        for (uint256 i; i < 3; ++i) {
            c.tokenConfigs[i] = _cfg();
        }
        c.yieldVaults = new address[](1);
        c.yieldVaults[0] = address(yieldVault);
    }

    /// @dev A configuration with nothing allowlisted.
    function _emptyConfig() internal pure returns (ITradingVault.InitialConfig memory c) {}

    function _cfg() internal pure returns (ITradingVault.TokenConfig memory) {
        return ITradingVault.TokenConfig({
            allowed: true,
            maxPerTrade: PER_TRADE,
            maxPerDay: PER_DAY,
            signatureThreshold: SIG_THRESHOLD
        });
    }

    /// @dev A → B request quoting the router's price, with minOut at exactly the allowed slippage.
    function _req(uint256 amountIn) internal view returns (ITradingVault.SwapRequest memory r) {
        uint256 q = router.quote(address(tokenA), address(tokenB), amountIn);
        r = ITradingVault.SwapRequest({
            router: address(router),
            tokenIn: address(tokenA),
            tokenOut: address(tokenB),
            fee: 3000,
            amountIn: amountIn,
            minAmountOut: (q * (10_000 - SLIPPAGE_BPS) + 9_999) / 10_000, // rounded up: the tightest bound
            quotedAmountOut: q,
            deadline: block.timestamp + 1 hours
        });
    }

    // ------------------------------------------------------------ path swaps

    /// @dev One-hop path `a, 3000, b` (trade direction).
    function _path(address a, address b) internal pure returns (bytes memory) {
        return abi.encodePacked(a, uint24(3000), b);
    }

    /// @dev Two-hop path `a, 500, h, 3000, b` (trade direction).
    function _path(address a, address h, address b) internal pure returns (bytes memory) {
        return abi.encodePacked(a, uint24(500), h, uint24(3000), b);
    }

    /// @dev The same path in the router's exact-output order (tokenOut first).
    function _reversed(bytes memory path) internal pure returns (bytes memory r) {
        uint256 hops = (path.length - 20) / 23;
        r = _slice(path, hops * 23, 20);
        for (uint256 i = hops; i > 0; --i) {
            uint256 offset = (i - 1) * 23;
            r = bytes.concat(r, _slice(path, offset + 20, 3), _slice(path, offset, 20));
        }
    }

    function _slice(bytes memory b, uint256 start, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i; i < len; ++i) {
            out[i] = b[start + i];
        }
    }

    /// @dev Exact-input request along `path`, quoting the router, minOut at exactly the allowed slippage.
    function _inReq(bytes memory path, uint256 amountIn) internal view returns (ITradingVault.PathSwapRequest memory r) {
        uint256 q = router.quoteExactInput(path, amountIn);
        r = ITradingVault.PathSwapRequest({
            router: address(router),
            path: path,
            amountIn: amountIn,
            minAmountOut: (q * (10_000 - SLIPPAGE_BPS) + 9_999) / 10_000,
            quotedAmountOut: q,
            deadline: block.timestamp + 1 hours
        });
    }

    /// @dev Exact-output request along `path`, quoting the router, maxIn at exactly the allowed slippage.
    function _outReq(bytes memory path, uint256 amountOut)
        internal
        view
        returns (ITradingVault.PathSwapExactOutputRequest memory r)
    {
        uint256 q = router.quoteExactOutput(_reversed(path), amountOut);
        r = ITradingVault.PathSwapExactOutputRequest({
            router: address(router),
            path: path,
            amountOut: amountOut,
            maxAmountIn: q * (10_000 + SLIPPAGE_BPS) / 10_000, // rounded down: the loosest allowed bound
            quotedAmountIn: q,
            deadline: block.timestamp + 1 hours
        });
    }

    function _ownerSig(ITradingVault.PathSwapRequest memory r) internal view returns (bytes memory) {
        return _sign(OWNER_PK, vault.pathSwapDigest(r, vault.nonce()));
    }

    function _ownerSig(ITradingVault.PathSwapExactOutputRequest memory r) internal view returns (bytes memory) {
        return _sign(OWNER_PK, vault.pathSwapExactOutputDigest(r, vault.nonce()));
    }

    function _swapIn(ITradingVault.PathSwapRequest memory r, bytes memory sig) internal returns (uint256) {
        vm.prank(operator);
        return vault.swapExactInput(r, sig);
    }

    function _swapOut(ITradingVault.PathSwapExactOutputRequest memory r, bytes memory sig) internal returns (uint256) {
        vm.prank(operator);
        return vault.swapExactOutput(r, sig);
    }

    function _sign(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    function _ownerSig(ITradingVault.SwapRequest memory r) internal view returns (bytes memory) {
        return _sign(OWNER_PK, vault.swapDigest(r, vault.nonce()));
    }

    function _swap(ITradingVault.SwapRequest memory r, bytes memory sig) internal returns (uint256) {
        vm.prank(operator);
        return vault.swap(r, sig);
    }
}
