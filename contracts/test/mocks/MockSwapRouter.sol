// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ISwapRouter} from "../../src/interfaces/ISwapRouter.sol";
import {MockERC20} from "./MockERC20.sol";

/// @notice SwapRouter stand-in: pays `amountIn * price / 1e18` of tokenOut (minted) and honours
///         `amountOutMinimum` and `deadline` like Uniswap's SwapRouter.
contract MockSwapRouter is ISwapRouter {
    mapping(address => mapping(address => uint256)) public price; // 1e18-scaled tokenOut per tokenIn

    function setPrice(address tokenIn, address tokenOut, uint256 price18) external {
        price[tokenIn][tokenOut] = price18;
    }

    function quote(address tokenIn, address tokenOut, uint256 amountIn) public view returns (uint256) {
        return amountIn * price[tokenIn][tokenOut] / 1e18;
    }

    function exactInputSingle(ExactInputSingleParams calldata p) external payable virtual returns (uint256 amountOut) {
        require(block.timestamp <= p.deadline, "Transaction too old");
        amountOut = quote(p.tokenIn, p.tokenOut, p.amountIn);
        require(amountOut >= p.amountOutMinimum, "Too little received");
        IERC20(p.tokenIn).transferFrom(msg.sender, address(this), p.amountIn);
        MockERC20(p.tokenOut).mint(p.recipient, amountOut);
    }
}

/// @notice A router that misbehaves in a chosen way, to show the vault's own checks hold.
contract MaliciousRouter is ISwapRouter {
    enum Mode {
        SendToThief, // pays the output to `thief` instead of the recipient
        Underpay, // ignores amountOutMinimum and pays half
        PullMore, // tries to pull twice amountIn
        Reenter // calls back into the vault

    }

    Mode public mode;
    address public thief;
    address public reenterTarget;
    bytes public reenterData;

    constructor(address thief_) {
        thief = thief_;
    }

    function setMode(Mode m) external {
        mode = m;
    }

    function setReenter(address target, bytes calldata data) external {
        reenterTarget = target;
        reenterData = data;
    }

    function exactInputSingle(ExactInputSingleParams calldata p) external payable returns (uint256 amountOut) {
        amountOut = p.amountOutMinimum;
        if (mode == Mode.SendToThief) {
            IERC20(p.tokenIn).transferFrom(msg.sender, thief, p.amountIn);
            MockERC20(p.tokenOut).mint(thief, amountOut);
        } else if (mode == Mode.Underpay) {
            IERC20(p.tokenIn).transferFrom(msg.sender, address(this), p.amountIn);
            amountOut = amountOut / 2;
            MockERC20(p.tokenOut).mint(p.recipient, amountOut);
        } else if (mode == Mode.PullMore) {
            IERC20(p.tokenIn).transferFrom(msg.sender, thief, p.amountIn * 2);
            MockERC20(p.tokenOut).mint(p.recipient, amountOut);
        } else {
            (bool ok, bytes memory ret) = reenterTarget.call(reenterData);
            if (!ok) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
    }
}
