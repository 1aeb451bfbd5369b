// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Uniswap V3 SwapRouter (v3-periphery 1.x) - the subset the vault calls
/// @notice Declared here (rather than imported from @uniswap/v3-periphery, which pins solidity =0.7.6)
///         so the vault compiles with 0.8.28. The struct layouts and selectors match the deployed
///         `SwapRouter.exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))`,
///         `SwapRouter.exactInput((bytes,address,uint256,uint256,uint256))` and
///         `SwapRouter.exactOutput((bytes,address,uint256,uint256,uint256))`.
/// @dev Paths are packed `abi.encodePacked(token0, fee0, token1, fee1, token2...)` (20-byte addresses,
///      3-byte fees). `exactInput` paths start with the token sold; `exactOutput` paths are reversed and
///      start with the token bought.
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

    struct ExactInputParams {
        bytes path;
        address recipient;
        uint256 deadline;
        uint256 amountIn;
        uint256 amountOutMinimum;
    }

    struct ExactOutputParams {
        bytes path;
        address recipient;
        uint256 deadline;
        uint256 amountOut;
        uint256 amountInMaximum;
    }

    /// @notice Swaps `amountIn` of `tokenIn` for as much as possible of `tokenOut`, paid to `recipient`.
    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut);

    /// @notice Swaps `amountIn` of the path's first token for as much as possible of its last, paid to `recipient`.
    function exactInput(ExactInputParams calldata params) external payable returns (uint256 amountOut);

    /// @notice Swaps as little as possible of the path's LAST token for `amountOut` of its first (the path is
    ///         reversed), paid to `recipient`; reverts if more than `amountInMaximum` would be needed.
    function exactOutput(ExactOutputParams calldata params) external payable returns (uint256 amountIn);
}
