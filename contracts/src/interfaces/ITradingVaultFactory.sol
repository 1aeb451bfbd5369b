// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITradingVault} from "./ITradingVault.sol";

/// @title ITradingVaultFactory - deploys ready-to-use TradingVaults for users, one transaction each
/// @notice One factory per operator key: the factory's `operator` (the service's KMS address) is fixed at
///         factory deployment, becomes the operator of every vault it creates, and is the only account that
///         may call {createVault}. The user (`owner`) keeps full control of each vault (it can replace or
///         revoke the operator and change every rule); the factory keeps no power over created vaults.
///         Vaults are deployed with CREATE2, salt = keccak256(abi.encode(owner, salt)), so the service can
///         retry idempotently: a second {createVault} for the same (owner, salt) reverts with
///         {VaultAlreadyExists}, and {vaultOf} tells which vault the first one created.
interface ITradingVaultFactory {
    // ------------------------------------------------------------------ errors
    /// @notice `createVault` was called by someone other than the factory's operator.
    error NotFactoryOperator(address caller);
    /// @notice The factory was deployed with a zero operator.
    error ZeroOperator();
    /// @notice A vault for (`owner`, `salt`) was already created by this factory, at `vault`.
    error VaultAlreadyExists(address owner, bytes32 salt, address vault);

    // ------------------------------------------------------------------ events
    /// @notice A vault was created for `owner` with `operator` (this factory's operator) and user salt `salt`.
    event VaultCreated(address indexed owner, address indexed vault, address indexed operator, bytes32 salt);

    // ------------------------------------------------------------------ actions
    /// @notice Deploy a TradingVault for `owner`, operated by this factory's operator, already configured.
    /// @dev Only callable by {operator}. Reverts with {VaultAlreadyExists} if (owner, salt) was used; with
    ///      the vault's own errors for a bad configuration (e.g. {ITradingVault.ConfigLengthMismatch},
    ///      {ITradingVault.ZeroAddress}, {ITradingVault.SlippageBpsOutOfRange}, OwnableInvalidOwner(0)).
    /// @param owner The user; owner of the new vault.
    /// @param guardian May pause the vault's operator (may be zero).
    /// @param maxSlippageBps Largest slippage of `minAmountOut` below the quote, in basis points (<= 10_000).
    /// @param config Initial allowlists and token caps (see {ITradingVault.InitialConfig}).
    /// @param salt Caller-chosen salt; the CREATE2 salt is keccak256(abi.encode(owner, salt)).
    /// @return vault The new vault's address (equal to {predictVaultAddress} with the same arguments).
    function createVault(
        address owner,
        address guardian,
        uint256 maxSlippageBps,
        ITradingVault.InitialConfig calldata config,
        bytes32 salt
    ) external returns (address vault);

    // ------------------------------------------------------------------ views
    /// @notice The operator of every vault this factory creates, and the only allowed caller of {createVault}.
    function operator() external view returns (address);

    /// @notice Vault created for (`owner`, `salt`), or zero if none yet.
    function vaultOf(address owner, bytes32 salt) external view returns (address);

    /// @notice Whether `vault` was created by this factory (its operator may since have been changed by its owner).
    function isVault(address vault) external view returns (bool);

    /// @notice Address {createVault} deploys to for exactly these arguments. The CREATE2 init code includes
    ///         the constructor arguments, so every argument (not only owner and salt) determines the address.
    function predictVaultAddress(
        address owner,
        address guardian,
        uint256 maxSlippageBps,
        ITradingVault.InitialConfig calldata config,
        bytes32 salt
    ) external view returns (address);
}
