// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Uniswap V3 SwapRouter (v3-periphery 1.x) - the subset the vault calls
/// @notice Declared here (rather than imported from @uniswap/v3-periphery, which pins solidity =0.7.6)
///         so the vault compiles with 0.8.28. The struct layout and selector match the deployed
///         `SwapRouter.exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))`.
interface ISwapRouter {
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 deadline;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    /// @notice Swaps `amountIn` of `tokenIn` for as much as possible of `tokenOut`, paid to `recipient`.
    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut);
}
