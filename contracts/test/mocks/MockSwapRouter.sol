// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ISwapRouter} from "../../src/interfaces/ISwapRouter.sol";
import {MockERC20} from "./MockERC20.sol";

/// @notice Reads Uniswap V3 packed paths (`token, fee, token, fee, token...`) in tests.
library MockPath {
    /// @dev The path's tokens in path order; reverts on a length that is not 20 + 23k (k >= 1).
    function tokens(bytes memory path) internal pure returns (address[] memory list) {
        require(path.length >= 43 && (path.length - 20) % 23 == 0, "bad path");
        list = new address[]((path.length - 20) / 23 + 1);
        for (uint256 i; i < list.length; ++i) {
            uint256 offset = i * 23;
            address token;
            assembly {
                token := shr(96, mload(add(add(path, 32), offset)))
            }
            list[i] = token;
        }
    }
}

/// @notice SwapRouter stand-in with Uniswap V3 SwapRouter (v3-periphery 1.x) semantics at fixed prices:
///         every pair has a fixed 1e18-scaled price (fee tier ignored; a pair without a price is a missing
///         pool on the path functions). Like the real router it checks `deadline`, pulls tokenIn from the
///         caller with `transferFrom` (so it needs the caller's approval), pays tokenOut (minted) to
///         `recipient`, enforces `amountOutMinimum` ("Too little received") and `amountInMaximum`
///         ("Too much requested"), reads `exactInput` paths tokenIn first and `exactOutput` paths REVERSED
///         (tokenOut first), and rounds exact-output inputs up. Intermediate hop tokens are not minted or
///         moved (a real router holds them only between its pool calls): only the chained price is applied.
contract MockSwapRouter is ISwapRouter {
    mapping(address => mapping(address => uint256)) public price; // 1e18-scaled tokenOut per tokenIn
    /// @notice The path an exactInput/exactOutput call received, as received (an event, not storage, so the
    ///         mock adds little gas to the vault's measured cost).
    event PathUsed(bytes path);

    function setPrice(address tokenIn, address tokenOut, uint256 price18) external {
        price[tokenIn][tokenOut] = price18;
    }

    function quote(address tokenIn, address tokenOut, uint256 amountIn) public view returns (uint256) {
        return amountIn * price[tokenIn][tokenOut] / 1e18;
    }

    /// @notice Output of selling `amountIn` along `path` (tokenIn first), like Uniswap's Quoter.quoteExactInput.
    function quoteExactInput(bytes memory path, uint256 amountIn) public view returns (uint256 amountOut) {
        address[] memory t = MockPath.tokens(path);
        amountOut = amountIn;
        for (uint256 i; i + 1 < t.length; ++i) {
            require(price[t[i]][t[i + 1]] != 0, "no pool");
            amountOut = quote(t[i], t[i + 1], amountOut);
        }
    }

    /// @notice Input needed to buy `amountOut` along `path` (REVERSED: tokenOut first), like
    ///         Quoter.quoteExactOutput; each hop's input is rounded up, as pools do.
    function quoteExactOutput(bytes memory path, uint256 amountOut) public view returns (uint256 amountIn) {
        address[] memory t = MockPath.tokens(path);
        amountIn = amountOut;
        for (uint256 i; i + 1 < t.length; ++i) {
            uint256 p = price[t[i + 1]][t[i]]; // t[i+1] is sold for t[i]
            require(p != 0, "no pool");
            amountIn = (amountIn * 1e18 + p - 1) / p;
        }
    }

    function exactInputSingle(ExactInputSingleParams calldata p) external payable virtual returns (uint256 amountOut) {
        require(block.timestamp <= p.deadline, "Transaction too old");
        amountOut = quote(p.tokenIn, p.tokenOut, p.amountIn);
        require(amountOut >= p.amountOutMinimum, "Too little received");
        IERC20(p.tokenIn).transferFrom(msg.sender, address(this), p.amountIn);
        MockERC20(p.tokenOut).mint(p.recipient, amountOut);
    }

    function exactInput(ExactInputParams calldata p) external payable returns (uint256 amountOut) {
        require(block.timestamp <= p.deadline, "Transaction too old");
        emit PathUsed(p.path);
        address[] memory t = MockPath.tokens(p.path);
        amountOut = quoteExactInput(p.path, p.amountIn);
        require(amountOut >= p.amountOutMinimum, "Too little received");
        IERC20(t[0]).transferFrom(msg.sender, address(this), p.amountIn);
        MockERC20(t[t.length - 1]).mint(p.recipient, amountOut);
    }

    function exactOutput(ExactOutputParams calldata p) external payable returns (uint256 amountIn) {
        require(block.timestamp <= p.deadline, "Transaction too old");
        emit PathUsed(p.path);
        address[] memory t = MockPath.tokens(p.path); // t[0] = tokenOut, t[last] = tokenIn
        amountIn = quoteExactOutput(p.path, p.amountOut);
        require(amountIn <= p.amountInMaximum, "Too much requested");
        IERC20(t[t.length - 1]).transferFrom(msg.sender, address(this), amountIn);
        MockERC20(t[0]).mint(p.recipient, p.amountOut);
    }
}

/// @notice A router that misbehaves in a chosen way, to show the vault's own checks hold. The same modes
///         apply to all three swap functions: "pull" is amountIn (amountInMaximum for exactOutput) and
///         "pay" is amountOutMinimum (amountOut for exactOutput).
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

    function exactInputSingle(ExactInputSingleParams calldata p) external payable returns (uint256) {
        return _misbehave(p.tokenIn, p.tokenOut, p.recipient, p.amountIn, p.amountOutMinimum);
    }

    function exactInput(ExactInputParams calldata p) external payable returns (uint256) {
        address[] memory t = MockPath.tokens(p.path);
        return _misbehave(t[0], t[t.length - 1], p.recipient, p.amountIn, p.amountOutMinimum);
    }

    function exactOutput(ExactOutputParams calldata p) external payable returns (uint256) {
        address[] memory t = MockPath.tokens(p.path);
        _misbehave(t[t.length - 1], t[0], p.recipient, p.amountInMaximum, p.amountOut);
        return p.amountInMaximum;
    }

    function _misbehave(address tokenIn, address tokenOut, address recipient, uint256 pull, uint256 pay)
        internal
        returns (uint256 amountOut)
    {
        amountOut = pay;
        if (mode == Mode.SendToThief) {
            IERC20(tokenIn).transferFrom(msg.sender, thief, pull);
            MockERC20(tokenOut).mint(thief, amountOut);
        } else if (mode == Mode.Underpay) {
            IERC20(tokenIn).transferFrom(msg.sender, address(this), pull);
            amountOut = amountOut / 2;
            MockERC20(tokenOut).mint(recipient, amountOut);
        } else if (mode == Mode.PullMore) {
            IERC20(tokenIn).transferFrom(msg.sender, thief, pull * 2);
            MockERC20(tokenOut).mint(recipient, amountOut);
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
