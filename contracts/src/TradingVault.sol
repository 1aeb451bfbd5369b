// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ITradingVault} from "./interfaces/ITradingVault.sol";
import {ISwapRouter} from "./interfaces/ISwapRouter.sol";
import {RollingWindow} from "./libraries/RollingWindow.sol";

/// @title TradingVault - one user's funds, traded by a service operator only within on-chain rules
/// @notice See {ITradingVault} for the rules. Deployed once per user with a plain constructor that
///         can also apply an initial configuration, directly or through {TradingVaultFactory}
///         (see contracts/README.md for the clone-factory trade-off).
/// @dev Caps are in token units of the token SOLD (tokenIn for swaps, the asset for ERC-4626 deposits,
///      the share token for redeems): no price oracle is trusted on-chain, so the owner sets caps per
///      token. The daily cap is a strict rolling 24h window ({RollingWindow}). Cap usage is recorded
///      before the external call (checks-effects-interactions) and rolled back by the revert if the
///      call fails (exception: {swapExactOutput} records the amount actually spent after the call, since it
///      is only known then; nonReentrant and the all-or-nothing revert keep that safe). Approvals are exact
///      and reset to zero after each call, so a router can pull at most `amountIn` (`maxAmountIn`) of
///      `tokenIn` and nothing else. All three swap entry points share the same internal checks.
contract TradingVault is ITradingVault, Ownable2Step, Pausable, ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;
    using RollingWindow for RollingWindow.Window;

    uint256 internal constant BPS = 10_000;
    /// @notice Most pools a path may cross (issue 5 quotes direct pools and two-hop routes).
    uint256 public constant MAX_HOPS = 2;
    uint256 internal constant ADDR_SIZE = 20;
    uint256 internal constant HOP_SIZE = 23; // 3-byte fee + 20-byte token

    /// @dev abi.encode(SWAP_TYPEHASH, req, nonce) equals encoding each field: SwapRequest is all-static,
    ///      so its fields are laid out inline in declaration order, matching this type string.
    bytes32 public constant SWAP_TYPEHASH = keccak256(
        "Swap(address router,address tokenIn,address tokenOut,uint24 fee,uint256 amountIn,uint256 minAmountOut,uint256 quotedAmountOut,uint256 deadline,uint256 nonce)"
    );
    /// @dev Path swaps sign `keccak256(path)` (EIP-712 encoding of `bytes`), the path in trade direction.
    ///      Exact-input and exact-output use different type names, so one signature can never serve the other.
    bytes32 public constant PATH_SWAP_EXACT_INPUT_TYPEHASH = keccak256(
        "PathSwapExactInput(address router,bytes path,uint256 amountIn,uint256 minAmountOut,uint256 quotedAmountOut,uint256 deadline,uint256 nonce)"
    );
    bytes32 public constant PATH_SWAP_EXACT_OUTPUT_TYPEHASH = keccak256(
        "PathSwapExactOutput(address router,bytes path,uint256 amountOut,uint256 maxAmountIn,uint256 quotedAmountIn,uint256 deadline,uint256 nonce)"
    );
    bytes32 public constant YIELD_TYPEHASH = keccak256(
        "YieldAction(bool isDeposit,address vault,uint256 amount,uint256 minOut,uint256 deadline,uint256 nonce)"
    );

    address public operator;
    address public guardian;
    uint256 public maxSlippageBps;
    uint256 public nonce;
    mapping(address router => bool) public isRouter;
    mapping(address vault => bool) public isYieldVault;
    mapping(address token => TokenConfig) internal _tokenConfig;
    mapping(address token => RollingWindow.Window) internal _sold;

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        _;
    }

    /// @param owner_ The user; the only account that can withdraw or change rules.
    /// @param operator_ The service's signing address (may be zero: no trading until set).
    /// @param guardian_ May pause the operator (may be zero).
    /// @param maxSlippageBps_ Largest slippage of `minAmountOut` below the quote, in basis points.
    /// @param config Initial allowlists and token caps (may be all empty); applied with the setters' checks
    ///        and events, in order: routers, tokens, yield vaults.
    constructor(
        address owner_,
        address operator_,
        address guardian_,
        uint256 maxSlippageBps_,
        InitialConfig memory config
    ) Ownable(owner_) EIP712("TradewindTradingVault", "1") {
        _setOperator(operator_);
        _setGuardian(guardian_);
        _setMaxSlippageBps(maxSlippageBps_);
        if (config.tokens.length != config.tokenConfigs.length) {
            revert ConfigLengthMismatch(config.tokens.length, config.tokenConfigs.length);
        }
        for (uint256 i; i < config.routers.length; ++i) {
            _setRouter(config.routers[i], true);
        }
        for (uint256 i; i < config.tokens.length; ++i) {
            _setTokenConfig(config.tokens[i], config.tokenConfigs[i]);
        }
        for (uint256 i; i < config.yieldVaults.length; ++i) {
            _setYieldVault(config.yieldVaults[i], true);
        }
    }

    // ================================================================== operator actions

    /// @inheritdoc ITradingVault
    function swap(SwapRequest calldata req, bytes calldata ownerSignature)
        external
        onlyOperator
        whenNotPaused
        nonReentrant
        returns (uint256 amountOut)
    {
        _checkSwap(req.router, req.tokenIn, req.tokenOut, req.deadline);
        _checkSlippage(req.minAmountOut, req.quotedAmountOut);
        bool signed = _consumeLimits(req.tokenIn, req.amountIn);
        if (signed) _useOwnerSignature(_hashTypedDataV4(_swapStructHash(req, nonce)), ownerSignature, req.tokenIn, req.amountIn);

        uint256 spent;
        (spent, amountOut) = _callRouter(
            req.router,
            req.tokenIn,
            req.tokenOut,
            req.amountIn,
            abi.encodeCall(
                ISwapRouter.exactInputSingle,
                (
                    ISwapRouter.ExactInputSingleParams({
                        tokenIn: req.tokenIn,
                        tokenOut: req.tokenOut,
                        fee: req.fee,
                        recipient: address(this),
                        deadline: req.deadline,
                        amountIn: req.amountIn,
                        amountOutMinimum: req.minAmountOut,
                        sqrtPriceLimitX96: 0
                    })
                )
            )
        );
        _checkSpent(spent, req.amountIn);
        _checkReceived(amountOut, req.minAmountOut);
        emit Swapped(req.router, req.tokenIn, req.tokenOut, req.amountIn, amountOut, req.quotedAmountOut, signed);
    }

    /// @inheritdoc ITradingVault
    function swapExactInput(PathSwapRequest calldata req, bytes calldata ownerSignature)
        external
        onlyOperator
        whenNotPaused
        nonReentrant
        returns (uint256 amountOut)
    {
        (address tokenIn, address tokenOut) = _decodePath(req.path);
        _checkSwap(req.router, tokenIn, tokenOut, req.deadline);
        _checkSlippage(req.minAmountOut, req.quotedAmountOut);
        bool signed = _consumeLimits(tokenIn, req.amountIn);
        if (signed) {
            _useOwnerSignature(_hashTypedDataV4(_pathSwapStructHash(req, nonce)), ownerSignature, tokenIn, req.amountIn);
        }

        uint256 spent;
        (spent, amountOut) = _callRouter(
            req.router,
            tokenIn,
            tokenOut,
            req.amountIn,
            abi.encodeCall(
                ISwapRouter.exactInput,
                (
                    ISwapRouter.ExactInputParams({
                        path: req.path,
                        recipient: address(this),
                        deadline: req.deadline,
                        amountIn: req.amountIn,
                        amountOutMinimum: req.minAmountOut
                    })
                )
            )
        );
        _checkSpent(spent, req.amountIn);
        _checkReceived(amountOut, req.minAmountOut);
        emit SwappedExactInput(
            req.router, tokenIn, tokenOut, req.path, req.amountIn, amountOut, req.quotedAmountOut, signed
        );
    }

    /// @inheritdoc ITradingVault
    /// @dev The threshold is checked on `maxAmountIn` (the most the approval lets the router take), so the
    ///      service knows before sending whether a signature is needed. The caps are checked on the measured
    ///      spend after the call: reentry is blocked by nonReentrant, and over a cap the whole swap reverts.
    function swapExactOutput(PathSwapExactOutputRequest calldata req, bytes calldata ownerSignature)
        external
        onlyOperator
        whenNotPaused
        nonReentrant
        returns (uint256 amountIn)
    {
        (address tokenIn, address tokenOut) = _decodePath(req.path);
        _checkSwap(req.router, tokenIn, tokenOut, req.deadline);
        _requireToken(tokenIn);
        if (req.amountOut == 0) revert ZeroAmount();
        _checkInputSlippage(req.maxAmountIn, req.quotedAmountIn);
        bool signed = req.maxAmountIn > _tokenConfig[tokenIn].signatureThreshold;
        if (signed) {
            _useOwnerSignature(
                _hashTypedDataV4(_pathSwapExactOutputStructHash(req, nonce)), ownerSignature, tokenIn, req.maxAmountIn
            );
        }

        uint256 received;
        (amountIn, received) = _callRouter(
            req.router,
            tokenIn,
            tokenOut,
            req.maxAmountIn,
            abi.encodeCall(
                ISwapRouter.exactOutput,
                (
                    ISwapRouter.ExactOutputParams({
                        path: _reversePath(req.path),
                        recipient: address(this),
                        deadline: req.deadline,
                        amountOut: req.amountOut,
                        amountInMaximum: req.maxAmountIn
                    })
                )
            )
        );
        _checkSpent(amountIn, req.maxAmountIn);
        _checkReceived(received, req.amountOut);
        _consumeLimits(tokenIn, amountIn); // caps on the amount actually spent
        emit SwappedExactOutput(
            req.router, tokenIn, tokenOut, req.path, amountIn, received, req.quotedAmountIn, signed
        );
    }

    /// @inheritdoc ITradingVault
    function depositToYield(address vault, uint256 assets, uint256 minShares, uint256 deadline, bytes calldata ownerSignature)
        external
        onlyOperator
        whenNotPaused
        nonReentrant
        returns (uint256 shares)
    {
        if (!isYieldVault[vault]) revert YieldVaultNotAllowed(vault);
        IERC20 asset = IERC20(IERC4626(vault).asset());
        _requireToken(vault); // the share token must be allowlisted too, so the position can be unwound
        _checkDeadline(deadline);
        _checkSlippage(minShares, IERC4626(vault).previewDeposit(assets));
        bool signed = _consumeLimits(address(asset), assets);
        if (signed) {
            _useOwnerSignature(
                _yieldDigest(true, vault, assets, minShares, deadline, nonce), ownerSignature, address(asset), assets
            );
        }

        uint256 assetsBefore = asset.balanceOf(address(this));
        uint256 sharesBefore = IERC20(vault).balanceOf(address(this));
        asset.forceApprove(vault, assets);
        IERC4626(vault).deposit(assets, address(this));
        asset.forceApprove(vault, 0);

        _checkSpent(_decrease(assetsBefore, asset.balanceOf(address(this))), assets);
        shares = _increase(sharesBefore, IERC20(vault).balanceOf(address(this)));
        _checkReceived(shares, minShares);
        emit YieldDeposited(vault, assets, shares, signed);
    }

    /// @inheritdoc ITradingVault
    function redeemFromYield(address vault, uint256 shares, uint256 minAssets, uint256 deadline, bytes calldata ownerSignature)
        external
        onlyOperator
        whenNotPaused
        nonReentrant
        returns (uint256 assets)
    {
        if (!isYieldVault[vault]) revert YieldVaultNotAllowed(vault);
        IERC20 asset = IERC20(IERC4626(vault).asset());
        _requireToken(address(asset));
        _checkDeadline(deadline);
        _checkSlippage(minAssets, IERC4626(vault).previewRedeem(shares));
        bool signed = _consumeLimits(vault, shares);
        if (signed) {
            _useOwnerSignature(_yieldDigest(false, vault, shares, minAssets, deadline, nonce), ownerSignature, vault, shares);
        }

        uint256 assetsBefore = asset.balanceOf(address(this));
        uint256 sharesBefore = IERC20(vault).balanceOf(address(this));
        IERC4626(vault).redeem(shares, address(this), address(this));

        _checkSpent(_decrease(sharesBefore, IERC20(vault).balanceOf(address(this))), shares);
        assets = _increase(assetsBefore, asset.balanceOf(address(this)));
        _checkReceived(assets, minAssets);
        emit YieldRedeemed(vault, shares, assets, signed);
    }

    // ================================================================== owner

    /// @inheritdoc ITradingVault
    function deposit(address token, uint256 amount) external {
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, token, amount);
    }

    /// @inheritdoc ITradingVault
    /// @dev Deliberately neither pausable nor nonReentrant-gated, and not limited to allowlisted tokens.
    function withdraw(address token, address to, uint256 amount) external onlyOwner {
        _withdraw(token, to, amount);
    }

    /// @inheritdoc ITradingVault
    function withdrawAll(address[] calldata tokens, address to) external onlyOwner {
        for (uint256 i; i < tokens.length; ++i) {
            _withdraw(tokens[i], to, IERC20(tokens[i]).balanceOf(address(this)));
        }
    }

    /// @inheritdoc ITradingVault
    function setOperator(address newOperator) external onlyOwner {
        _setOperator(newOperator);
    }

    /// @inheritdoc ITradingVault
    function setGuardian(address newGuardian) external onlyOwner {
        _setGuardian(newGuardian);
    }

    /// @inheritdoc ITradingVault
    function setRouter(address router, bool allowed) external onlyOwner {
        _setRouter(router, allowed);
    }

    /// @inheritdoc ITradingVault
    function setYieldVault(address vault, bool allowed) external onlyOwner {
        _setYieldVault(vault, allowed);
    }

    /// @inheritdoc ITradingVault
    function setTokenConfig(address token, TokenConfig calldata config) external onlyOwner {
        _setTokenConfig(token, config);
    }

    /// @inheritdoc ITradingVault
    function setMaxSlippageBps(uint256 bps) external onlyOwner {
        _setMaxSlippageBps(bps);
    }

    /// @inheritdoc ITradingVault
    function cancelNextNonce() external onlyOwner {
        emit NonceUsed(nonce++);
    }

    /// @inheritdoc ITradingVault
    function pause() external {
        if (msg.sender != guardian && msg.sender != owner()) revert NotGuardianOrOwner(msg.sender);
        _pause();
    }

    /// @inheritdoc ITradingVault
    function unpause() external onlyOwner {
        _unpause();
    }

    /// @notice Disabled: a vault without an owner could never be withdrawn from.
    function renounceOwnership() public view override onlyOwner {
        revert RenounceDisabled();
    }

    // ================================================================== views

    /// @inheritdoc ITradingVault
    function tokenConfig(address token) external view returns (TokenConfig memory) {
        return _tokenConfig[token];
    }

    /// @inheritdoc ITradingVault
    function soldInWindow(address token) external view returns (uint256) {
        return _sold[token].spent(block.timestamp);
    }

    /// @inheritdoc ITradingVault
    function swapDigest(SwapRequest calldata req, uint256 nonce_) external view returns (bytes32) {
        return _hashTypedDataV4(_swapStructHash(req, nonce_));
    }

    /// @inheritdoc ITradingVault
    function pathSwapDigest(PathSwapRequest calldata req, uint256 nonce_) external view returns (bytes32) {
        return _hashTypedDataV4(_pathSwapStructHash(req, nonce_));
    }

    /// @inheritdoc ITradingVault
    function pathSwapExactOutputDigest(PathSwapExactOutputRequest calldata req, uint256 nonce_)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(_pathSwapExactOutputStructHash(req, nonce_));
    }

    /// @inheritdoc ITradingVault
    function yieldDigest(bool isDeposit, address vault, uint256 amount, uint256 minOut, uint256 deadline, uint256 nonce_)
        external
        view
        returns (bytes32)
    {
        return _yieldDigest(isDeposit, vault, amount, minOut, deadline, nonce_);
    }

    /// @notice EIP-712 domain separator (name "TradewindTradingVault", version "1").
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ================================================================== internals

    function _requireToken(address token) internal view {
        if (!_tokenConfig[token].allowed) revert TokenNotAllowed(token);
    }

    /// @dev Rules every swap shares before any state changes: allowlisted router, distinct tokens, tokenOut
    ///      allowlisted (tokenIn is checked with its caps), deadline not passed.
    function _checkSwap(address router, address tokenIn, address tokenOut, uint256 deadline) internal view {
        if (!isRouter[router]) revert RouterNotAllowed(router);
        if (tokenIn == tokenOut) revert SameToken(tokenIn);
        _requireToken(tokenOut);
        _checkDeadline(deadline);
    }

    function _checkDeadline(uint256 deadline) internal view {
        if (block.timestamp > deadline) revert Expired(deadline, block.timestamp);
    }

    /// @dev minOut >= quote * (1 - maxSlippage); both must be non-zero so a trade can never be "for nothing".
    function _checkSlippage(uint256 minOut, uint256 quote) internal view {
        uint256 bps = maxSlippageBps;
        if (minOut == 0 || quote == 0 || minOut * BPS < quote * (BPS - bps)) {
            revert SlippageTooHigh(minOut, quote, bps);
        }
    }

    /// @dev Exact output: maxIn <= quote * (1 + maxSlippage); both non-zero (mirror of {_checkSlippage}).
    function _checkInputSlippage(uint256 maxIn, uint256 quote) internal view {
        uint256 bps = maxSlippageBps;
        if (maxIn == 0 || quote == 0 || maxIn * BPS > quote * (BPS + bps)) {
            revert InputSlippageTooHigh(maxIn, quote, bps);
        }
    }

    /// @dev Checks the token is allowlisted, the per-trade cap, records the sale in the rolling window;
    ///      returns whether an owner signature is required.
    function _consumeLimits(address token, uint256 amount) internal returns (bool needsSignature) {
        TokenConfig memory cfg = _tokenConfig[token];
        if (!cfg.allowed) revert TokenNotAllowed(token);
        if (amount == 0) revert ZeroAmount();
        if (amount > cfg.maxPerTrade) revert TradeCapExceeded(token, amount, cfg.maxPerTrade);
        RollingWindow.Window storage w = _sold[token];
        if (!w.tryConsume(amount, cfg.maxPerDay, block.timestamp)) {
            revert DailyCapExceeded(token, amount, w.spent(block.timestamp), cfg.maxPerDay);
        }
        return amount > cfg.signatureThreshold;
    }

    /// @dev Verifies the owner signed `digest` (which embeds the current nonce) and consumes the nonce.
    function _useOwnerSignature(bytes32 digest, bytes calldata signature, address token, uint256 amount) internal {
        if (signature.length == 0) {
            revert OwnerSignatureRequired(token, amount, _tokenConfig[token].signatureThreshold);
        }
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        if (err != ECDSA.RecoverError.NoError || signer != owner()) revert InvalidOwnerSignature(signer);
        emit NonceUsed(nonce++);
    }

    /// @dev Approves exactly `maxIn` of `tokenIn` to `router`, makes `call`, resets the approval to zero, and
    ///      returns this vault's measured tokenIn decrease and tokenOut increase (output paid elsewhere counts
    ///      as nothing). The router's return value is ignored: only balances are trusted.
    function _callRouter(address router, address tokenIn, address tokenOut, uint256 maxIn, bytes memory call)
        internal
        returns (uint256 spent, uint256 received)
    {
        uint256 inBefore = IERC20(tokenIn).balanceOf(address(this));
        uint256 outBefore = IERC20(tokenOut).balanceOf(address(this));
        IERC20(tokenIn).forceApprove(router, maxIn);
        Address.functionCall(router, call);
        IERC20(tokenIn).forceApprove(router, 0);
        spent = _decrease(inBefore, IERC20(tokenIn).balanceOf(address(this)));
        received = _increase(outBefore, IERC20(tokenOut).balanceOf(address(this)));
    }

    function _decrease(uint256 before_, uint256 after_) internal pure returns (uint256) {
        return before_ > after_ ? before_ - after_ : 0;
    }

    function _increase(uint256 before_, uint256 after_) internal pure returns (uint256) {
        return after_ > before_ ? after_ - before_ : 0;
    }

    function _checkSpent(uint256 spent, uint256 limit) internal pure {
        if (spent > limit) revert ExcessiveInput(spent, limit);
    }

    function _checkReceived(uint256 received, uint256 minOut) internal pure {
        if (received < minOut) revert InsufficientOutput(received, minOut);
    }

    /// @dev Validates a trade-direction path (`tokenIn, fee, [hop, fee,] tokenOut`, 1..MAX_HOPS hops, no token
    ///      next to itself) and returns its end tokens. Fees are not checked: a pool that does not exist
    ///      makes the router revert.
    function _decodePath(bytes calldata path) internal pure returns (address tokenIn, address tokenOut) {
        uint256 len = path.length;
        if (len < ADDR_SIZE + HOP_SIZE || (len - ADDR_SIZE) % HOP_SIZE != 0 || len > ADDR_SIZE + MAX_HOPS * HOP_SIZE) {
            revert InvalidPath(path);
        }
        tokenIn = address(bytes20(path[:ADDR_SIZE]));
        tokenOut = tokenIn;
        for (uint256 offset = HOP_SIZE; offset < len; offset += HOP_SIZE) {
            address next = address(bytes20(path[offset:offset + ADDR_SIZE]));
            if (next == tokenOut) revert InvalidPath(path);
            tokenOut = next;
        }
    }

    /// @dev `tokenIn, fee0, hop, fee1, tokenOut` -> `tokenOut, fee1, hop, fee0, tokenIn` (Uniswap's exactOutput
    ///      order). `path` must already have passed {_decodePath}.
    function _reversePath(bytes calldata path) internal pure returns (bytes memory reversed) {
        uint256 offset = path.length - ADDR_SIZE;
        reversed = path[offset:];
        while (offset != 0) {
            offset -= HOP_SIZE; // start of the previous token; its fee follows it
            reversed = bytes.concat(reversed, path[offset + ADDR_SIZE:offset + HOP_SIZE], path[offset:offset + ADDR_SIZE]);
        }
    }

    function _swapStructHash(SwapRequest calldata req, uint256 nonce_) internal pure returns (bytes32) {
        return keccak256(abi.encode(SWAP_TYPEHASH, req, nonce_));
    }

    function _pathSwapStructHash(PathSwapRequest calldata req, uint256 nonce_) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                PATH_SWAP_EXACT_INPUT_TYPEHASH,
                req.router,
                keccak256(req.path),
                req.amountIn,
                req.minAmountOut,
                req.quotedAmountOut,
                req.deadline,
                nonce_
            )
        );
    }

    function _pathSwapExactOutputStructHash(PathSwapExactOutputRequest calldata req, uint256 nonce_)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                PATH_SWAP_EXACT_OUTPUT_TYPEHASH,
                req.router,
                keccak256(req.path),
                req.amountOut,
                req.maxAmountIn,
                req.quotedAmountIn,
                req.deadline,
                nonce_
            )
        );
    }

    function _yieldDigest(bool isDeposit, address vault, uint256 amount, uint256 minOut, uint256 deadline, uint256 nonce_)
        internal
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(abi.encode(YIELD_TYPEHASH, isDeposit, vault, amount, minOut, deadline, nonce_))
        );
    }

    function _withdraw(address token, address to, uint256 amount) internal {
        if (to == address(0)) revert ZeroAddress();
        IERC20(token).safeTransfer(to, amount);
        emit Withdrawn(token, to, amount);
    }

    function _setOperator(address newOperator) internal {
        emit OperatorChanged(operator, newOperator);
        operator = newOperator;
    }

    function _setGuardian(address newGuardian) internal {
        emit GuardianChanged(guardian, newGuardian);
        guardian = newGuardian;
    }

    function _setRouter(address router, bool allowed) internal {
        if (router == address(0)) revert ZeroAddress();
        isRouter[router] = allowed;
        emit RouterAllowed(router, allowed);
    }

    function _setYieldVault(address vault, bool allowed) internal {
        if (vault == address(0)) revert ZeroAddress();
        isYieldVault[vault] = allowed;
        emit YieldVaultAllowed(vault, allowed);
    }

    function _setTokenConfig(address token, TokenConfig memory config) internal {
        if (token == address(0)) revert ZeroAddress();
        _tokenConfig[token] = config;
        emit TokenConfigured(token, config.allowed, config.maxPerTrade, config.maxPerDay, config.signatureThreshold);
    }

    function _setMaxSlippageBps(uint256 bps) internal {
        if (bps > BPS) revert SlippageBpsOutOfRange(bps);
        emit MaxSlippageChanged(maxSlippageBps, bps);
        maxSlippageBps = bps;
    }
}
