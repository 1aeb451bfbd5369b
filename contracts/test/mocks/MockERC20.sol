// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Freely mintable ERC20 with configurable decimals.
contract MockERC20 is ERC20 {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice A non-standard token whose `transferFrom` also burns `extra` from the sender (a hidden charge),
///         so a vault's balance can drop by more than the approved amount: exercises `ExcessiveInput`.
contract GreedyERC20 is MockERC20 {
    uint256 public extra;

    constructor() MockERC20("Greedy", "GRD", 18) {}

    function setExtra(uint256 extra_) external {
        extra = extra_;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        super.transferFrom(from, to, value);
        _burn(from, extra);
        return true;
    }
}
