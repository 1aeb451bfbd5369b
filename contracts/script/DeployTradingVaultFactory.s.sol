// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Script} from "forge-std/Script.sol";
import {TradingVaultFactory} from "../src/TradingVaultFactory.sol";

/// @notice Deploys the vault factory for one operator key. Env: FACTORY_OPERATOR (the service's KMS address).
/// @dev The operator is immutable: a new operator key means a new factory (existing vaults are unaffected;
///      each vault's owner can move its vault to the new key with `setOperator`).
contract DeployTradingVaultFactory is Script {
    function run() external returns (TradingVaultFactory factory) {
        address operator = vm.envAddress("FACTORY_OPERATOR");
        vm.startBroadcast();
        factory = new TradingVaultFactory(operator);
        vm.stopBroadcast();
    }
}
