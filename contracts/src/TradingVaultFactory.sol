// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

import {TradingVault} from "./TradingVault.sol";
import {ITradingVault} from "./interfaces/ITradingVault.sol";
import {ITradingVaultFactory} from "./interfaces/ITradingVaultFactory.sol";

/// @title TradingVaultFactory - one transaction from nothing to a configured vault the service can trade
/// @notice See {ITradingVaultFactory}. Full `TradingVault` deployments (CREATE2 of the real constructor), not
///         clones: the vault keeps its constructor-set state and OpenZeppelin EIP712's immutable domain cache,
///         and has no initializer that could be front-run or forgotten (contracts/README.md).
/// @dev Only the operator may create: with a permissionless factory anyone could front-run the service's
///      (owner, salt) with a hostile configuration, and an idempotent retry that treats
///      {VaultAlreadyExists} as success would then adopt that vault.
contract TradingVaultFactory is ITradingVaultFactory {
    /// @inheritdoc ITradingVaultFactory
    address public immutable operator;

    /// @inheritdoc ITradingVaultFactory
    mapping(address vault => bool) public isVault;

    mapping(address owner => mapping(bytes32 salt => address vault)) internal _vaultOf;

    /// @param operator_ The service's operator (KMS) address; fixed for the factory's lifetime.
    constructor(address operator_) {
        if (operator_ == address(0)) revert ZeroOperator();
        operator = operator_;
    }

    /// @inheritdoc ITradingVaultFactory
    function createVault(
        address owner,
        address guardian,
        uint256 maxSlippageBps,
        ITradingVault.InitialConfig calldata config,
        bytes32 salt
    ) external returns (address vault) {
        if (msg.sender != operator) revert NotFactoryOperator(msg.sender);
        address existing = _vaultOf[owner][salt];
        if (existing != address(0)) revert VaultAlreadyExists(owner, salt, existing);

        vault = address(new TradingVault{salt: _salt(owner, salt)}(owner, operator, guardian, maxSlippageBps, config));
        _vaultOf[owner][salt] = vault;
        isVault[vault] = true;
        emit VaultCreated(owner, vault, operator, salt);
    }

    /// @inheritdoc ITradingVaultFactory
    function vaultOf(address owner, bytes32 salt) external view returns (address) {
        return _vaultOf[owner][salt];
    }

    /// @inheritdoc ITradingVaultFactory
    function predictVaultAddress(
        address owner,
        address guardian,
        uint256 maxSlippageBps,
        ITradingVault.InitialConfig calldata config,
        bytes32 salt
    ) external view returns (address) {
        bytes32 initCodeHash = keccak256(
            abi.encodePacked(
                type(TradingVault).creationCode, abi.encode(owner, operator, guardian, maxSlippageBps, config)
            )
        );
        return Create2.computeAddress(_salt(owner, salt), initCodeHash);
    }

    function _salt(address owner, bytes32 salt) internal pure returns (bytes32) {
        return keccak256(abi.encode(owner, salt));
    }
}
