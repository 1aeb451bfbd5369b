// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Script} from "forge-std/Script.sol";
import {TradingVault} from "../src/TradingVault.sol";

/// @notice Deploys one user's vault. Env: VAULT_OWNER, VAULT_OPERATOR, VAULT_GUARDIAN, VAULT_MAX_SLIPPAGE_BPS.
/// @dev Allowlists and token caps are owner calls made afterwards (the owner, not the deployer, sets rules).
contract DeployTradingVault is Script {
    function run() external returns (TradingVault vault) {
        address owner = vm.envAddress("VAULT_OWNER");
        address operator = vm.envAddress("VAULT_OPERATOR");
        address guardian = vm.envOr("VAULT_GUARDIAN", address(0));
        uint256 bps = vm.envOr("VAULT_MAX_SLIPPAGE_BPS", uint256(100));
        vm.startBroadcast();
        vault = new TradingVault(owner, operator, guardian, bps);
        vm.stopBroadcast();
    }
}
