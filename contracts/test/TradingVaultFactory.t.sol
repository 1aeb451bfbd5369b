// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {TradingVault} from "../src/TradingVault.sol";
import {TradingVaultFactory} from "../src/TradingVaultFactory.sol";
import {ITradingVault} from "../src/interfaces/ITradingVault.sol";
import {ITradingVaultFactory} from "../src/interfaces/ITradingVaultFactory.sol";
import {VaultFixture} from "./utils/VaultFixture.sol";

/// @notice The factory deploys a vault that is ready to trade in one transaction, deterministically per (owner, salt).
contract TradingVaultFactoryTest is VaultFixture {
    bytes32 internal constant SALT = keccak256("user-42/vault-1");

    TradingVaultFactory internal factory;

    function setUp() public override {
        super.setUp();
        factory = new TradingVaultFactory(operator);
    }

    // ------------------------------------------------------------ configuration

    function test_createVault_hasRolesSlippageAndExactlyTheConfiguredRules() public {
        ITradingVault.InitialConfig memory c = _distinctConfig();
        TradingVault v = _create(c, SALT);

        assertEq(v.owner(), owner);
        assertEq(v.pendingOwner(), address(0));
        assertEq(v.operator(), operator);
        assertEq(v.guardian(), guardian);
        assertEq(v.maxSlippageBps(), SLIPPAGE_BPS);
        assertEq(v.nonce(), 0);
        assertFalse(v.paused());

        assertTrue(v.isRouter(address(router)));
        assertFalse(v.isRouter(address(factory)));
        assertTrue(v.isYieldVault(address(yieldVault)));
        assertFalse(v.isYieldVault(address(tokenA)));
        for (uint256 i; i < c.tokens.length; ++i) {
            _assertCfg(v.tokenConfig(c.tokens[i]), c.tokenConfigs[i]);
        }
        ITradingVault.TokenConfig memory none;
        _assertCfg(v.tokenConfig(address(tokenC)), none);
        _assertCfg(v.tokenConfig(address(router)), none);
    }

    function test_createVault_emptyConfigAllowsNothing() public {
        TradingVault v = _create(_emptyConfig(), SALT);
        assertEq(v.operator(), operator);
        assertFalse(v.isRouter(address(router)));
        assertFalse(v.isYieldVault(address(yieldVault)));
        assertFalse(v.tokenConfig(address(tokenA)).allowed);
    }

    // ------------------------------------------------------------ the vault works

    function test_factoryVault_operatorSwapsThroughRouter() public {
        TradingVault v = _create(_initialConfig(), SALT);
        tokenA.mint(address(v), FUNDING);
        ITradingVault.SwapRequest memory r = _req(100e18);

        vm.prank(operator);
        uint256 out = v.swap(r, "");

        assertEq(out, 200e18);
        assertEq(tokenA.balanceOf(address(v)), FUNDING - 100e18);
        assertEq(tokenB.balanceOf(address(v)), 200e18);
        assertEq(tokenA.allowance(address(v), address(router)), 0);
        assertEq(v.soldInWindow(address(tokenA)), 100e18);
    }

    function test_factoryVault_ownerSignatureAboveThreshold() public {
        TradingVault v = _create(_initialConfig(), SALT);
        tokenA.mint(address(v), FUNDING);
        ITradingVault.SwapRequest memory r = _req(800e18); // above SIG_THRESHOLD

        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.OwnerSignatureRequired.selector, address(tokenA), 800e18, SIG_THRESHOLD)
        );
        v.swap(r, "");

        bytes memory sig = _sign(OWNER_PK, v.swapDigest(r, v.nonce()));
        vm.prank(operator);
        assertEq(v.swap(r, sig), 1_600e18);
        assertEq(v.nonce(), 1);
    }

    function test_factoryVault_ownerKeepsFullControl() public {
        TradingVault v = _create(_initialConfig(), SALT);
        tokenA.mint(address(v), FUNDING);

        vm.startPrank(owner);
        v.setRouter(address(router), false);
        v.setOperator(address(0));
        v.withdraw(address(tokenA), owner, FUNDING);
        vm.stopPrank();

        assertFalse(v.isRouter(address(router)));
        assertEq(v.operator(), address(0));
        assertEq(tokenA.balanceOf(owner), FUNDING);
        // The factory (and its operator) hold no owner power.
        vm.prank(address(factory));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(factory)));
        v.setRouter(address(router), true);
    }

    // ------------------------------------------------------------ determinism and idempotency

    function test_predictVaultAddress_equalsDeployed() public {
        ITradingVault.InitialConfig memory c = _initialConfig();
        address predicted = factory.predictVaultAddress(owner, guardian, SLIPPAGE_BPS, c, SALT);
        assertEq(predicted.code.length, 0);
        assertEq(factory.vaultOf(owner, SALT), address(0));
        assertFalse(factory.isVault(predicted));

        vm.prank(operator);
        address vault_ = factory.createVault(owner, guardian, SLIPPAGE_BPS, c, SALT);

        assertEq(vault_, predicted);
        assertGt(vault_.code.length, 0);
        assertEq(factory.vaultOf(owner, SALT), vault_);
        assertTrue(factory.isVault(vault_));
        assertFalse(factory.isVault(address(vault))); // deployed directly, not by the factory
    }

    function test_predictVaultAddress_dependsOnEveryArgument() public view {
        ITradingVault.InitialConfig memory c = _initialConfig();
        address base = factory.predictVaultAddress(owner, guardian, SLIPPAGE_BPS, c, SALT);
        assertTrue(base != factory.predictVaultAddress(thief, guardian, SLIPPAGE_BPS, c, SALT));
        assertTrue(base != factory.predictVaultAddress(owner, address(0), SLIPPAGE_BPS, c, SALT));
        assertTrue(base != factory.predictVaultAddress(owner, guardian, SLIPPAGE_BPS + 1, c, SALT));
        assertTrue(base != factory.predictVaultAddress(owner, guardian, SLIPPAGE_BPS, _emptyConfig(), SALT));
        assertTrue(base != factory.predictVaultAddress(owner, guardian, SLIPPAGE_BPS, c, bytes32(0)));
        assertEq(base, factory.predictVaultAddress(owner, guardian, SLIPPAGE_BPS, c, SALT));
    }

    function test_createVault_revertsWhenOwnerSaltAlreadyUsed() public {
        address first = address(_create(_initialConfig(), SALT));

        // Same arguments (a retry) and different arguments both revert for a used (owner, salt).
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITradingVaultFactory.VaultAlreadyExists.selector, owner, SALT, first));
        factory.createVault(owner, guardian, SLIPPAGE_BPS, _initialConfig(), SALT);
        vm.expectRevert(abi.encodeWithSelector(ITradingVaultFactory.VaultAlreadyExists.selector, owner, SALT, first));
        factory.createVault(owner, address(0), 50, _emptyConfig(), SALT);

        // Another salt for the same owner, or the same salt for another owner, are new vaults.
        address second = factory.createVault(owner, guardian, SLIPPAGE_BPS, _initialConfig(), bytes32(uint256(1)));
        address third = factory.createVault(thief, guardian, SLIPPAGE_BPS, _initialConfig(), SALT);
        vm.stopPrank();

        assertTrue(second != first && third != first && second != third);
        assertEq(factory.vaultOf(owner, SALT), first);
        assertEq(factory.vaultOf(owner, bytes32(uint256(1))), second);
        assertEq(factory.vaultOf(thief, SALT), third);
        assertEq(TradingVault(third).owner(), thief);
    }

    // ------------------------------------------------------------ events

    function test_createVault_emitsVaultAndFactoryEvents() public {
        ITradingVault.InitialConfig memory c = _initialConfig();
        address predicted = factory.predictVaultAddress(owner, guardian, SLIPPAGE_BPS, c, SALT);

        vm.expectEmit(predicted);
        emit Ownable.OwnershipTransferred(address(0), owner);
        vm.expectEmit(predicted);
        emit ITradingVault.OperatorChanged(address(0), operator);
        vm.expectEmit(predicted);
        emit ITradingVault.GuardianChanged(address(0), guardian);
        vm.expectEmit(predicted);
        emit ITradingVault.MaxSlippageChanged(0, SLIPPAGE_BPS);
        vm.expectEmit(predicted);
        emit ITradingVault.RouterAllowed(address(router), true);
        for (uint256 i; i < c.tokens.length; ++i) {
            vm.expectEmit(predicted);
            emit ITradingVault.TokenConfigured(c.tokens[i], true, PER_TRADE, PER_DAY, SIG_THRESHOLD);
        }
        vm.expectEmit(predicted);
        emit ITradingVault.YieldVaultAllowed(address(yieldVault), true);
        vm.expectEmit(address(factory));
        emit ITradingVaultFactory.VaultCreated(owner, predicted, operator, SALT);

        vm.prank(operator);
        factory.createVault(owner, guardian, SLIPPAGE_BPS, c, SALT);
    }

    // ------------------------------------------------------------ rejections

    function test_createVault_onlyOperator() public {
        vm.prank(thief);
        vm.expectRevert(abi.encodeWithSelector(ITradingVaultFactory.NotFactoryOperator.selector, thief));
        factory.createVault(owner, guardian, SLIPPAGE_BPS, _initialConfig(), SALT);

        vm.prank(owner); // not even the user: the service is the one deploying
        vm.expectRevert(abi.encodeWithSelector(ITradingVaultFactory.NotFactoryOperator.selector, owner));
        factory.createVault(owner, guardian, SLIPPAGE_BPS, _initialConfig(), SALT);
    }

    function test_constructor_rejectsZeroOperator() public {
        vm.expectRevert(ITradingVaultFactory.ZeroOperator.selector);
        new TradingVaultFactory(address(0));
        assertEq(factory.operator(), operator);
    }

    function test_createVault_revertsOnConfigLengthMismatch() public {
        ITradingVault.InitialConfig memory c = _initialConfig();
        c.tokenConfigs = new ITradingVault.TokenConfig[](2); // 3 tokens

        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.ConfigLengthMismatch.selector, 3, 2));
        factory.createVault(owner, guardian, SLIPPAGE_BPS, c, SALT);
        assertEq(factory.vaultOf(owner, SALT), address(0)); // nothing recorded: the salt is still free

        vm.expectRevert(abi.encodeWithSelector(ITradingVault.ConfigLengthMismatch.selector, 3, 2));
        new TradingVault(owner, operator, guardian, SLIPPAGE_BPS, c);
    }

    function test_createVault_bubblesVaultValidation() public {
        ITradingVault.InitialConfig memory zeroRouter = _initialConfig();
        zeroRouter.routers[0] = address(0);
        ITradingVault.InitialConfig memory zeroToken = _initialConfig();
        zeroToken.tokens[1] = address(0);
        ITradingVault.InitialConfig memory zeroYield = _initialConfig();
        zeroYield.yieldVaults[0] = address(0);

        vm.startPrank(operator);
        vm.expectRevert(ITradingVault.ZeroAddress.selector);
        factory.createVault(owner, guardian, SLIPPAGE_BPS, zeroRouter, SALT);
        vm.expectRevert(ITradingVault.ZeroAddress.selector);
        factory.createVault(owner, guardian, SLIPPAGE_BPS, zeroToken, SALT);
        vm.expectRevert(ITradingVault.ZeroAddress.selector);
        factory.createVault(owner, guardian, SLIPPAGE_BPS, zeroYield, SALT);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.SlippageBpsOutOfRange.selector, 10_001));
        factory.createVault(owner, guardian, 10_001, _initialConfig(), SALT);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        factory.createVault(address(0), guardian, SLIPPAGE_BPS, _initialConfig(), SALT);

        // After all those failures the (owner, salt) is still usable.
        address v = factory.createVault(owner, guardian, SLIPPAGE_BPS, _initialConfig(), SALT);
        vm.stopPrank();
        assertEq(factory.vaultOf(owner, SALT), v);
    }

    // ------------------------------------------------------------ helpers

    function _create(ITradingVault.InitialConfig memory c, bytes32 salt) internal returns (TradingVault) {
        vm.prank(operator);
        return TradingVault(factory.createVault(owner, guardian, SLIPPAGE_BPS, c, salt));
    }

    /// @dev Like the fixture's config but every token gets different caps, to check tokens[i] <-> tokenConfigs[i].
    function _distinctConfig() internal view returns (ITradingVault.InitialConfig memory c) {
        c = _initialConfig();
        for (uint256 i; i < c.tokens.length; ++i) {
            c.tokenConfigs[i] = ITradingVault.TokenConfig({
                allowed: true,
                maxPerTrade: uint128(100e18 * (i + 1)),
                maxPerDay: uint128(1_000e18 * (i + 1)),
                signatureThreshold: uint128(50e18 * (i + 1))
            });
        }
    }

    function _assertCfg(ITradingVault.TokenConfig memory got, ITradingVault.TokenConfig memory want) internal pure {
        assertEq(got.allowed, want.allowed);
        assertEq(got.maxPerTrade, want.maxPerTrade);
        assertEq(got.maxPerDay, want.maxPerDay);
        assertEq(got.signatureThreshold, want.signatureThreshold);
    }
}
