// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ITradingVault - a single user's vault that a service operator may trade within on-chain rules
/// @notice Roles: `owner` (the user; full control, can always withdraw), `operator` (the service's KMS key;
///         may only swap / move into ERC-4626 positions inside the rules below), `guardian` (may pause the
///         operator; pausing never blocks the owner).
///         Rules for every operator action:
///         - the target (swap router or ERC-4626 vault) is allowlisted and both tokens are allowlisted
///           (for multi-hop swaps: the first and last token of the path; intermediate hops need not be);
///         - output is always paid to this vault and measured by balance difference;
///         - `minAmountOut` may not imply more slippage than `maxSlippageBps` versus the stated quote, and the
///           received amount must be >= `minAmountOut` (exact-output swaps: `maxAmountIn` may exceed the
///           quoted input by at most `maxSlippageBps`, and the spent amount must be <= `maxAmountIn`);
///         - the sold amount (token units of the token sold) is <= the token's per-trade cap and keeps the
///           operator's sales of that token within any 24h interval <= the token's daily cap;
///         - above the token's signature threshold the owner's EIP-712 signature over the exact trade is needed.
interface ITradingVault {
    /// @notice Per-token rules; all amounts are in the token's own units (no oracle on-chain).
    /// @param allowed Token may be bought or sold by the operator.
    /// @param maxPerTrade Largest amount the operator may sell in one action.
    /// @param maxPerDay Largest amount the operator may sell in any rolling 24h interval.
    /// @param signatureThreshold Sales strictly above this also need an owner signature (type(uint128).max = never).
    struct TokenConfig {
        bool allowed;
        uint128 maxPerTrade;
        uint128 maxPerDay;
        uint128 signatureThreshold;
    }

    /// @notice An operator swap through a Uniswap V3 SwapRouter-compatible router.
    /// @param quotedAmountOut The operator's off-chain quote for `amountIn`; bounds `minAmountOut` via slippage.
    /// @param deadline Passed to the router and also bounds the owner signature, if one is needed.
    struct SwapRequest {
        address router;
        address tokenIn;
        address tokenOut;
        uint24 fee;
        uint256 amountIn;
        uint256 minAmountOut;
        uint256 quotedAmountOut;
        uint256 deadline;
    }

    /// @notice An operator swap selling exactly `amountIn` along a Uniswap V3 path ({swapExactInput}).
    /// @param path Packed `tokenIn, fee, [hop, fee,] tokenOut` in TRADE direction (what is sold first):
    ///        20 + 23 * hops bytes with 1 <= hops <= MAX_HOPS, no token repeated next to itself, else
    ///        {InvalidPath}. tokenIn and tokenOut must be allowlisted; hop tokens need not be, since the
    ///        router only holds them between pools and the vault never approves or receives them.
    /// @param minAmountOut Least `tokenOut` the vault must receive (balance difference).
    /// @param quotedAmountOut The operator's off-chain quote for `amountIn` along `path`; bounds `minAmountOut`.
    /// @param deadline Passed to the router and also bounds the owner signature, if one is needed.
    struct PathSwapRequest {
        address router;
        bytes path;
        uint256 amountIn;
        uint256 minAmountOut;
        uint256 quotedAmountOut;
        uint256 deadline;
    }

    /// @notice An operator swap buying exactly `amountOut` along a Uniswap V3 path ({swapExactOutput}).
    /// @param path Same format and direction as {PathSwapRequest.path} (tokenIn first); the vault reverses it
    ///        for the router, which expects exact-output paths tokenOut first.
    /// @param maxAmountIn Most `tokenIn` the vault may spend (the router's `amountInMaximum`, and the approval).
    /// @param quotedAmountIn The operator's off-chain quote of `tokenIn` needed; bounds `maxAmountIn` from above.
    /// @param deadline Passed to the router and also bounds the owner signature, if one is needed.
    struct PathSwapExactOutputRequest {
        address router;
        bytes path;
        uint256 amountOut;
        uint256 maxAmountIn;
        uint256 quotedAmountIn;
        uint256 deadline;
    }

    /// @notice Rules a vault starts with, applied by the constructor exactly as the owner setters would
    ///         (same checks, same events), so a vault can be deployed ready to use by someone who does not
    ///         hold the owner key. Everything can still be changed later by the owner through the setters.
    /// @param routers Swap routers to allowlist ({setRouter}(router, true)); zero address reverts.
    /// @param tokens Tokens to configure; `tokens[i]` gets `tokenConfigs[i]` ({setTokenConfig}).
    /// @param tokenConfigs Same length as `tokens`, else {ConfigLengthMismatch}.
    /// @param yieldVaults ERC-4626 vaults to allowlist ({setYieldVault}(vault, true)); remember to also
    ///        configure each one as a token (its share token), or deposits revert with {TokenNotAllowed}.
    struct InitialConfig {
        address[] routers;
        address[] tokens;
        TokenConfig[] tokenConfigs;
        address[] yieldVaults;
    }

    // ------------------------------------------------------------------ errors
    error NotOperator(address caller);
    error NotGuardianOrOwner(address caller);
    error ZeroAddress();
    error RouterNotAllowed(address router);
    error YieldVaultNotAllowed(address vault);
    error TokenNotAllowed(address token);
    error SameToken(address token);
    error ZeroAmount();
    error Expired(uint256 deadline, uint256 nowTs);
    error SlippageTooHigh(uint256 minAmountOut, uint256 quotedAmountOut, uint256 maxSlippageBps);
    /// @notice Exact-output swap: `maxAmountIn` exceeds the quote by more than `maxSlippageBps`, or one is zero.
    error InputSlippageTooHigh(uint256 maxAmountIn, uint256 quotedAmountIn, uint256 maxSlippageBps);
    /// @notice A swap path is not `tokenIn, fee, [hop, fee,] tokenOut` with 1..MAX_HOPS hops and no token
    ///         next to itself.
    error InvalidPath(bytes path);
    error InsufficientOutput(uint256 received, uint256 minAmountOut);
    error ExcessiveInput(uint256 spent, uint256 amountIn);
    error TradeCapExceeded(address token, uint256 amount, uint256 cap);
    error DailyCapExceeded(address token, uint256 amount, uint256 spentInWindow, uint256 cap);
    error OwnerSignatureRequired(address token, uint256 amount, uint256 threshold);
    error InvalidOwnerSignature(address signer);
    error SlippageBpsOutOfRange(uint256 bps);
    error RenounceDisabled();
    /// @notice `InitialConfig.tokens` and `InitialConfig.tokenConfigs` differ in length.
    error ConfigLengthMismatch(uint256 tokens, uint256 tokenConfigs);

    // ------------------------------------------------------------------ events
    /// @notice Operator set or replaced (`newOperator == 0` revokes).
    event OperatorChanged(address indexed previousOperator, address indexed newOperator);
    /// @notice Guardian set or replaced (`newGuardian == 0` removes).
    event GuardianChanged(address indexed previousGuardian, address indexed newGuardian);
    /// @notice Swap router added to / removed from the allowlist.
    event RouterAllowed(address indexed router, bool allowed);
    /// @notice ERC-4626 vault added to / removed from the allowlist.
    event YieldVaultAllowed(address indexed vault, bool allowed);
    /// @notice Token rules changed.
    event TokenConfigured(
        address indexed token, bool allowed, uint256 maxPerTrade, uint256 maxPerDay, uint256 signatureThreshold
    );
    /// @notice Maximum slippage versus the quote changed.
    event MaxSlippageChanged(uint256 previousBps, uint256 newBps);
    /// @notice Tokens were deposited by anyone through {deposit}.
    event Deposited(address indexed from, address indexed token, uint256 amount);
    /// @notice The owner withdrew tokens.
    event Withdrawn(address indexed token, address indexed to, uint256 amount);
    /// @notice The operator swapped; `signed` tells whether an owner signature was used.
    event Swapped(
        address indexed router,
        address indexed tokenIn,
        address indexed tokenOut,
        uint256 amountIn,
        uint256 amountOut,
        uint256 quotedAmountOut,
        bool signed
    );
    /// @notice The operator sold exactly `amountIn` of `tokenIn` along `path` ({swapExactInput}).
    event SwappedExactInput(
        address indexed router,
        address indexed tokenIn,
        address indexed tokenOut,
        bytes path,
        uint256 amountIn,
        uint256 amountOut,
        uint256 quotedAmountOut,
        bool signed
    );
    /// @notice The operator bought `amountOut` of `tokenOut` along `path` for `amountIn` ({swapExactOutput});
    ///         `path` is in trade direction (tokenIn first), as requested.
    event SwappedExactOutput(
        address indexed router,
        address indexed tokenIn,
        address indexed tokenOut,
        bytes path,
        uint256 amountIn,
        uint256 amountOut,
        uint256 quotedAmountIn,
        bool signed
    );
    /// @notice The operator deposited `assets` into an ERC-4626 vault for `shares`.
    event YieldDeposited(address indexed vault, uint256 assets, uint256 shares, bool signed);
    /// @notice The operator redeemed `shares` of an ERC-4626 vault for `assets`.
    event YieldRedeemed(address indexed vault, uint256 shares, uint256 assets, bool signed);
    /// @notice An owner signature nonce was consumed or cancelled.
    event NonceUsed(uint256 nonce);

    // ------------------------------------------------------------------ operator
    /// @notice Swap through an allowlisted router; output is paid to this vault.
    /// @param ownerSignature Empty unless `amountIn` exceeds the token's signature threshold.
    /// @return amountOut Measured increase of this vault's `tokenOut` balance.
    function swap(SwapRequest calldata req, bytes calldata ownerSignature) external returns (uint256 amountOut);

    /// @notice Sell exactly `req.amountIn` of the path's first token for at least `req.minAmountOut` of its
    ///         last, through `ISwapRouter.exactInput`; same rules as {swap}. Caps and the signature threshold
    ///         apply to `amountIn` (recorded before the router call).
    /// @param ownerSignature Empty unless `amountIn` exceeds tokenIn's signature threshold; else the owner's
    ///        EIP-712 signature of {pathSwapDigest}(req, nonce()).
    /// @return amountOut Measured increase of this vault's tokenOut balance.
    function swapExactInput(PathSwapRequest calldata req, bytes calldata ownerSignature)
        external
        returns (uint256 amountOut);

    /// @notice Buy exactly `req.amountOut` of the path's last token for at most `req.maxAmountIn` of its first,
    ///         through `ISwapRouter.exactOutput` (path reversed for the router); same rules as {swap}, with
    ///         `maxAmountIn <= quotedAmountIn * (1 + maxSlippageBps)`. The signature threshold applies to
    ///         `maxAmountIn` (known before the call); the per-trade and daily caps to the amount actually
    ///         spent (balance difference, recorded after the call; the whole trade reverts if over a cap).
    ///         The unused part of the approval is reset to zero.
    /// @param ownerSignature Empty unless `maxAmountIn` exceeds tokenIn's signature threshold; else the owner's
    ///        EIP-712 signature of {pathSwapExactOutputDigest}(req, nonce()).
    /// @return amountIn Measured decrease of this vault's tokenIn balance.
    function swapExactOutput(PathSwapExactOutputRequest calldata req, bytes calldata ownerSignature)
        external
        returns (uint256 amountIn);

    /// @notice Deposit `assets` of an allowlisted ERC-4626 vault's asset; shares are minted to this vault.
    /// @dev The quote is the vault's own `previewDeposit`; `minShares` must be within slippage of it.
    function depositToYield(address vault, uint256 assets, uint256 minShares, uint256 deadline, bytes calldata ownerSignature)
        external
        returns (uint256 shares);

    /// @notice Redeem `shares` of an allowlisted ERC-4626 vault; assets are paid to this vault.
    /// @dev The share token is capped under its own TokenConfig (configure the vault address as a token).
    function redeemFromYield(address vault, uint256 shares, uint256 minAssets, uint256 deadline, bytes calldata ownerSignature)
        external
        returns (uint256 assets);

    // ------------------------------------------------------------------ owner
    /// @notice Withdraw `amount` of any token to `to`; works while paused and for non-allowlisted tokens.
    function withdraw(address token, address to, uint256 amount) external;
    /// @notice Withdraw the whole balance of each token in `tokens` to `to`.
    function withdrawAll(address[] calldata tokens, address to) external;
    function setOperator(address newOperator) external;
    function setGuardian(address newGuardian) external;
    function setRouter(address router, bool allowed) external;
    function setYieldVault(address vault, bool allowed) external;
    function setTokenConfig(address token, TokenConfig calldata config) external;
    function setMaxSlippageBps(uint256 bps) external;
    /// @notice Invalidate the next owner-signature nonce (cancels a signed but unused trade).
    function cancelNextNonce() external;

    // ------------------------------------------------------------------ guardian / owner
    /// @notice Stop all operator actions (guardian or owner).
    function pause() external;
    /// @notice Resume operator actions (owner only).
    function unpause() external;

    /// @notice Pull `amount` of `token` from the caller into the vault (convenience; plain transfers also work).
    function deposit(address token, uint256 amount) external;

    // ------------------------------------------------------------------ views
    function operator() external view returns (address);
    function guardian() external view returns (address);
    function isRouter(address router) external view returns (bool);
    function isYieldVault(address vault) external view returns (bool);
    function tokenConfig(address token) external view returns (TokenConfig memory);
    function maxSlippageBps() external view returns (uint256);
    /// @notice Amount of `token` the operator sold in the live 24h window.
    function soldInWindow(address token) external view returns (uint256);
    /// @notice Next nonce an owner signature must carry.
    function nonce() external view returns (uint256);
    /// @notice EIP-712 digest the owner signs to approve `req` with `nonce_`.
    function swapDigest(SwapRequest calldata req, uint256 nonce_) external view returns (bytes32);
    /// @notice EIP-712 digest the owner signs to approve the exact-input path swap `req` with `nonce_`.
    function pathSwapDigest(PathSwapRequest calldata req, uint256 nonce_) external view returns (bytes32);
    /// @notice EIP-712 digest the owner signs to approve the exact-output path swap `req` with `nonce_`.
    function pathSwapExactOutputDigest(PathSwapExactOutputRequest calldata req, uint256 nonce_)
        external
        view
        returns (bytes32);
    /// @notice EIP-712 digest for an ERC-4626 action (`isDeposit` true for deposit, false for redeem).
    function yieldDigest(bool isDeposit, address vault, uint256 amount, uint256 minOut, uint256 deadline, uint256 nonce_)
        external
        view
        returns (bytes32);
}
