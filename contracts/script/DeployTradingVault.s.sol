// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Script} from "forge-std/Script.sol";
import {TradingVault} from "../src/TradingVault.sol";
import {ITradingVault} from "../src/interfaces/ITradingVault.sol";

/// @notice Deploys one user's vault. Env: VAULT_OWNER, VAULT_OPERATOR, VAULT_GUARDIAN, VAULT_MAX_SLIPPAGE_BPS.
/// @dev Deploys with an empty initial configuration: allowlists and token caps are owner calls made afterwards.
///      To deploy a vault that is configured from the start, use {TradingVaultFactory.createVault}
///      (script/DeployTradingVaultFactory.s.sol deploys the factory).
contract DeployTradingVault is Script {
    function run() external returns (TradingVault vault) {
        address owner = vm.envAddress("VAULT_OWNER");
        address operator = vm.envAddress("VAULT_OPERATOR");
        address guardian = vm.envOr("VAULT_GUARDIAN", address(0));
        uint256 bps = vm.envOr("VAULT_MAX_SLIPPAGE_BPS", uint256(100));
        ITradingVault.InitialConfig memory empty;
        vm.startBroadcast();
        vault = new TradingVault(owner, operator, guardian, bps, empty);
        vm.stopBroadcast();
    }
}
