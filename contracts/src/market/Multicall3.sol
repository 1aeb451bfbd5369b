// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Multicall3
/// @notice The `aggregate3` subset of the Multicall3 interface, so clients written for the
///         canonical deployment (viem, web3 batch readers) work on the local chains.
contract Multicall3 {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    /// @notice Reverts when a call that does not allow failure fails; carries its index.
    error CallFailed(uint256 index);

    /// @notice Makes every call in order; a failed call reverts all unless it allows failure.
    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory results) {
        results = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool success, bytes memory returnData) = calls[i].target.call(calls[i].callData);
            if (!success && !calls[i].allowFailure) revert CallFailed(i);
            results[i] = Result(success, returnData);
        }
    }

    /// @notice The native balance of `account`.
    function getEthBalance(address account) external view returns (uint256) {
        return account.balance;
    }

    /// @notice The current block number.
    function getBlockNumber() external view returns (uint256) {
        return block.number;
    }
}
