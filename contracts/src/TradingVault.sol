// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
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
///      call fails. Approvals are exact and reset to zero after each call, so a router can pull at most
///      `amountIn` of `tokenIn` and nothing else.
contract TradingVault is ITradingVault, Ownable2Step, Pausable, ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;
    using RollingWindow for RollingWindow.Window;

    uint256 internal constant BPS = 10_000;

    /// @dev abi.encode(SWAP_TYPEHASH, req, nonce) equals encoding each field: SwapRequest is all-static,
    ///      so its fields are laid out inline in declaration order, matching this type string.
    bytes32 public constant SWAP_TYPEHASH = keccak256(
        "Swap(address router,address tokenIn,address tokenOut,uint24 fee,uint256 amountIn,uint256 minAmountOut,uint256 quotedAmountOut,uint256 deadline,uint256 nonce)"
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
        if (!isRouter[req.router]) revert RouterNotAllowed(req.router);
        if (req.tokenIn == req.tokenOut) revert SameToken(req.tokenIn);
        _requireToken(req.tokenOut);
        _checkDeadline(req.deadline);
        _checkSlippage(req.minAmountOut, req.quotedAmountOut);
        bool signed = _consumeLimits(req.tokenIn, req.amountIn);
        if (signed) _useOwnerSignature(_hashTypedDataV4(_swapStructHash(req, nonce)), ownerSignature, req.tokenIn, req.amountIn);

        IERC20 tokenIn = IERC20(req.tokenIn);
        IERC20 tokenOut = IERC20(req.tokenOut);
        uint256 inBefore = tokenIn.balanceOf(address(this));
        uint256 outBefore = tokenOut.balanceOf(address(this));

        tokenIn.forceApprove(req.router, req.amountIn);
        ISwapRouter(req.router).exactInputSingle(
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
        );
        tokenIn.forceApprove(req.router, 0);

        _checkSpent(inBefore, tokenIn.balanceOf(address(this)), req.amountIn);
        amountOut = _checkReceived(outBefore, tokenOut.balanceOf(address(this)), req.minAmountOut);
        emit Swapped(req.router, req.tokenIn, req.tokenOut, req.amountIn, amountOut, req.quotedAmountOut, signed);
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

        _checkSpent(assetsBefore, asset.balanceOf(address(this)), assets);
        shares = _checkReceived(sharesBefore, IERC20(vault).balanceOf(address(this)), minShares);
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

        _checkSpent(sharesBefore, IERC20(vault).balanceOf(address(this)), shares);
        assets = _checkReceived(assetsBefore, asset.balanceOf(address(this)), minAssets);
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

    function _checkSpent(uint256 before_, uint256 after_, uint256 limit) internal pure {
        uint256 spent = before_ > after_ ? before_ - after_ : 0;
        if (spent > limit) revert ExcessiveInput(spent, limit);
    }

    function _checkReceived(uint256 before_, uint256 after_, uint256 minOut) internal pure returns (uint256 received) {
        received = after_ > before_ ? after_ - before_ : 0;
        if (received < minOut) revert InsufficientOutput(received, minOut);
    }

    function _swapStructHash(SwapRequest calldata req, uint256 nonce_) internal pure returns (bytes32) {
        return keccak256(abi.encode(SWAP_TYPEHASH, req, nonce_));
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
