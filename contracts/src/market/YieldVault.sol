// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title YieldVault
/// @notice ERC-4626 vault for the local market whose yield is whatever the owner harvests into it:
///         `harvest` adds assets without minting shares, so every share is worth more.
contract YieldVault is ERC4626, Ownable {
    using SafeERC20 for IERC20;

    /// @notice Emitted when `amount` of the asset is added as yield.
    event Harvested(uint256 amount, uint256 totalAssets);

    constructor(IERC20 asset_, string memory name_, string memory symbol_)
        ERC20(name_, symbol_)
        ERC4626(asset_)
        Ownable(msg.sender)
    {}

    /// @notice Pulls `amount` of the asset from the owner as yield (the owner approves first).
    /// @dev Pulling rather than minting keeps the vault free of any minting right on the asset.
    function harvest(uint256 amount) external onlyOwner {
        IERC20(asset()).safeTransferFrom(msg.sender, address(this), amount);
        emit Harvested(amount, totalAssets());
    }
}
