// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {TradingVault} from "../../src/TradingVault.sol";
import {ITradingVault} from "../../src/interfaces/ITradingVault.sol";
import {MockERC20} from "../mocks/MockERC20.sol";
import {MockSwapRouter} from "../mocks/MockSwapRouter.sol";
import {MockERC4626} from "../mocks/MockERC4626.sol";

/// @notice Shared deployment: a vault with two allowlisted tokens (A, B), one non-allowlisted (C),
///         a mock router (1 A = 2 B) and an ERC-4626 vault over A.
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
