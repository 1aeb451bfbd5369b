"""The TradingVault calls a trade sends, and the owner's EIP-712 approval of them, encoded with eth_abi.

Decisions:
- Slippage bounds round toward the quote, never away from it: ``minAmountOut`` up and ``maxAmountIn``
  down. The vault accepts ``minAmountOut * 10000 >= quoted * (10000 - bps)`` (and the mirror for the
  input); the other rounding asks for a bound the vault refuses whenever the division is not exact.
- A call carries its calldata, and the model refuses calldata that is not the encoding of its fields:
  what the state machine passes between steps, the trade record stores and the sender sends is
  the same call, whatever was edited on the way.
- The owner's digest is computed here as the contract computes it (EIP-712 over the request and
  the nonce, under the vault's domain), so that the risk step reads the vault once; the contract's
  own ``pathSwapDigest`` view (``owner_digest``) is the reference, and the integration tests check
  the two agree.
- Signatures are checked as OpenZeppelin's ``ECDSA.tryRecover`` checks them: 65 bytes, ``v`` 27 or 28,
  ``s`` in the lower half of the curve order; what the vault would refuse is refused here too.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal, Self

from eth_abi.abi import encode
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradewind.crypto.keccak import keccak256
from tradewind.errors import InvalidInput
from tradewind.holdings.multicall import selector
from tradewind.risk.models import BPS, BaseUnits, ChecksumAddress
from tradewind.trading.models import TradeRequest, TradeSide
from tradewind.trading.quote_models import Quote

_PATH_REQUEST = "(address,bytes,uint256,uint256,uint256,uint256)"
_TYPE_STRINGS = {
    "swapExactInput": "PathSwapExactInput(address router,bytes path,uint256 amountIn,uint256 minAmountOut,"
    "uint256 quotedAmountOut,uint256 deadline,uint256 nonce)",
    "swapExactOutput": "PathSwapExactOutput(address router,bytes path,uint256 amountOut,uint256 maxAmountIn,"
    "uint256 quotedAmountIn,uint256 deadline,uint256 nonce)",
}
_DIGEST_VIEWS = {"swapExactInput": "pathSwapDigest", "swapExactOutput": "pathSwapExactOutputDigest"}
_DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
_DOMAIN_NAME, _DOMAIN_VERSION = "TradewindTradingVault", "1"
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_SIGNATURE_BYTES = 65

Hex = Annotated[str, Field(pattern=r"^0x([0-9a-f]{2})*$")]
"""Bytes as lower-case 0x-hex."""

# The errors of ITradingVault, and the OpenZeppelin ones its swaps can revert with, to decode what a
# simulated call reverted with; the integration tests check them against forge's artifact.
_ERRORS = (
    "NotOperator(address caller)",
    "NotGuardianOrOwner(address caller)",
    "ZeroAddress()",
    "RouterNotAllowed(address router)",
    "YieldVaultNotAllowed(address vault)",
    "TokenNotAllowed(address token)",
    "SameToken(address token)",
    "ZeroAmount()",
    "Expired(uint256 deadline,uint256 nowTs)",
    "SlippageTooHigh(uint256 minAmountOut,uint256 quotedAmountOut,uint256 maxSlippageBps)",
    "InputSlippageTooHigh(uint256 maxAmountIn,uint256 quotedAmountIn,uint256 maxSlippageBps)",
    "InvalidPath(bytes path)",
    "InsufficientOutput(uint256 received,uint256 minAmountOut)",
    "ExcessiveInput(uint256 spent,uint256 amountIn)",
    "TradeCapExceeded(address token,uint256 amount,uint256 cap)",
    "DailyCapExceeded(address token,uint256 amount,uint256 spentInWindow,uint256 cap)",
    "OwnerSignatureRequired(address token,uint256 amount,uint256 threshold)",
    "InvalidOwnerSignature(address signer)",
    "SlippageBpsOutOfRange(uint256 bps)",
    "EnforcedPause()",
    "ReentrancyGuardReentrantCall()",
    "SafeERC20FailedOperation(address token)",
    "FailedCall()",
    "AddressEmptyCode(address target)",
)


def _abi_error(declaration: str) -> dict[str, Any]:
    name, parameters = declaration.removesuffix(")").split("(")
    pairs = [parameter.split(" ") for parameter in parameters.split(",") if parameter]
    return {"type": "error", "name": name, "inputs": [{"name": arg, "type": kind} for kind, arg in pairs]}


VAULT_ERRORS_ABI: list[dict[str, Any]] = [_abi_error(declaration) for declaration in _ERRORS]
"""ITradingVault's errors and the OpenZeppelin ones its swaps can revert with, as ABI entries."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExactInputSwap(_Frozen):
    """``PathSwapRequest``: sell exactly ``amount_in`` for at least ``min_amount_out``."""

    function: Literal["swapExactInput"] = "swapExactInput"
    router: ChecksumAddress
    path: Hex = Field(description="Uniswap's packed path, the token sold first")
    amount_in: BaseUnits = Field(gt=0)
    min_amount_out: BaseUnits = Field(gt=0)
    quoted_amount_out: BaseUnits = Field(gt=0)
    deadline: int = Field(gt=0, description="unix seconds")

    @property
    def sold_at_most(self) -> int:
        """The most the vault may sell: what its caps and signature threshold are held against."""
        return self.amount_in

    def fields(self) -> tuple[str, bytes, int, int, int, int]:
        """The request's ABI tuple, in the struct's order."""
        return (
            self.router,
            _bytes(self.path),
            self.amount_in,
            self.min_amount_out,
            self.quoted_amount_out,
            self.deadline,
        )


class ExactOutputSwap(_Frozen):
    """``PathSwapExactOutputRequest``: buy exactly ``amount_out`` for at most ``max_amount_in``."""

    function: Literal["swapExactOutput"] = "swapExactOutput"
    router: ChecksumAddress
    path: Hex = Field(description="Uniswap's packed path, the token sold first (the vault reverses it)")
    amount_out: BaseUnits = Field(gt=0)
    max_amount_in: BaseUnits = Field(gt=0)
    quoted_amount_in: BaseUnits = Field(gt=0)
    deadline: int = Field(gt=0, description="unix seconds")

    @property
    def sold_at_most(self) -> int:
        """The most the vault may sell: its signature threshold applies to it before the swap."""
        return self.max_amount_in

    def fields(self) -> tuple[str, bytes, int, int, int, int]:
        """The request's ABI tuple, in the struct's order."""
        return (
            self.router,
            _bytes(self.path),
            self.amount_out,
            self.max_amount_in,
            self.quoted_amount_in,
            self.deadline,
        )


SwapRequest = Annotated[ExactInputSwap | ExactOutputSwap, Field(discriminator="function")]


class VaultCall(_Frozen):
    """One swap through a user's vault: the request, the owner's signature if any, and the calldata."""

    chain: str = Field(min_length=1)
    vault: ChecksumAddress
    request: SwapRequest
    owner_signature: Hex = Field(default="0x", description='"0x" until the owner signs')
    data: Hex = Field(description="the calldata of the vault call: its request and signature encoded")

    @model_validator(mode="after")
    def _data_is_the_call(self) -> Self:
        """Refuse calldata that says something else than the fields (a stale or edited copy)."""
        if self.data != _hex(calldata(self.request, self.owner_signature)):
            raise ValueError("data is not the encoding of the request and owner_signature")
        return self

    @property
    def function(self) -> str:
        """``swapExactInput`` or ``swapExactOutput``."""
        return self.request.function


def min_amount_out(quoted_amount_out: int, slippage_bps: int) -> int:
    """ceil(quoted * (10000 - bps) / 10000): the least output the vault accepts for that slippage."""
    _check_bps(slippage_bps)
    return -(-quoted_amount_out * (BPS - slippage_bps) // BPS)


def max_amount_in(quoted_amount_in: int, slippage_bps: int) -> int:
    """floor(quoted * (10000 + bps) / 10000): the most input the vault accepts for that slippage."""
    _check_bps(slippage_bps)
    return quoted_amount_in * (BPS + slippage_bps) // BPS


def calldata(request: ExactInputSwap | ExactOutputSwap, owner_signature: str = "0x") -> bytes:
    """``swapExactInput(req, ownerSignature)`` or ``swapExactOutput(req, ownerSignature)``."""
    signature = f"{request.function}({_PATH_REQUEST},bytes)"
    return selector(signature) + encode([_PATH_REQUEST, "bytes"], [request.fields(), _bytes(owner_signature)])


def build_vault_call(
    trade_request: TradeRequest,
    quote: Quote,
    *,
    vault_address: str,
    router: str,
    max_slippage_bps: int,
    now: datetime,
) -> VaultCall:
    """The unsigned vault call that executes ``quote`` along its route, due ``deadline_s`` after ``now``."""
    if quote.side is not trade_request.side:
        raise InvalidInput(f"the quote is {quote.side}, the trade {trade_request.side}", field="side")
    deadline = int(now.timestamp()) + trade_request.deadline_s
    request: ExactInputSwap | ExactOutputSwap
    if quote.side is TradeSide.EXACT_IN:
        request = ExactInputSwap(
            router=router,
            path=quote.route.path.lower(),
            amount_in=quote.amount_in,
            min_amount_out=min_amount_out(quote.amount_out, max_slippage_bps),
            quoted_amount_out=quote.amount_out,
            deadline=deadline,
        )
    else:
        request = ExactOutputSwap(
            router=router,
            path=quote.route.path.lower(),
            amount_out=quote.amount_out,
            max_amount_in=max_amount_in(quote.amount_in, max_slippage_bps),
            quoted_amount_in=quote.amount_in,
            deadline=deadline,
        )
    return _call(quote.chain, vault_address, request, "0x")


def with_owner_signature(call: VaultCall, signature: str) -> VaultCall:
    """``call`` carrying the owner's signature (0x-hex, 65 bytes), its calldata re-encoded."""
    raw = _signature_bytes(signature)
    return _call(call.chain, call.vault, call.request, _hex(raw))


def owner_digest(call: VaultCall, nonce: int) -> bytes:
    """Calldata of the vault's ``pathSwapDigest(req, nonce)`` (or the exact-output one), for an eth_call."""
    view = f"{_DIGEST_VIEWS[call.function]}({_PATH_REQUEST},uint256)"
    return selector(view) + encode([_PATH_REQUEST, "uint256"], [call.request.fields(), nonce])


def domain_separator(chain_id: int, vault: str) -> bytes:
    """The vault's EIP-712 domain separator (what its ``domainSeparator()`` returns)."""
    return keccak256(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                keccak256(_DOMAIN_TYPE.encode()),
                keccak256(_DOMAIN_NAME.encode()),
                keccak256(_DOMAIN_VERSION.encode()),
                chain_id,
                vault,
            ],
        )
    )


def typed_data_digest(call: VaultCall, separator: bytes, nonce: int) -> bytes:
    """The digest the owner signs to approve ``call`` at ``nonce``, as the vault's digest views compute it."""
    router, path, *amounts = call.request.fields()
    struct_hash = keccak256(
        encode(
            ["bytes32", "address", "bytes32", "uint256", "uint256", "uint256", "uint256", "uint256"],
            [_typehash(call.function), router, keccak256(path), *amounts, nonce],
        )
    )
    return keccak256(b"\x19\x01" + separator + struct_hash)


def recover_signer(digest: bytes, signature: str) -> str:
    """The checksummed address that signed ``digest``; InvalidInput (field ``signature``) if the vault
    would refuse the signature whoever made it.
    """
    from eth_keys.datatypes import Signature  # noqa: PLC0415 - the API imports this module, rarely this
    from eth_keys.exceptions import BadSignature  # noqa: PLC0415

    raw = _signature_bytes(signature)
    r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
    try:
        public_key = Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(digest)
    except BadSignature as e:
        raise InvalidInput(f"no signer can be recovered from the signature: {e}", field="signature") from e
    address: str = public_key.to_checksum_address()
    return address


def sign_digest(private_key: bytes, digest: bytes) -> str:
    """An Ethereum signature (r, s, v = 27/28) of ``digest``, as the vault's ``ECDSA.tryRecover`` expects."""
    from eth_keys.datatypes import PrivateKey  # noqa: PLC0415 - see recover_signer

    signature = PrivateKey(private_key).sign_msg_hash(digest)
    return _hex(signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big") + bytes([signature.v + 27]))


@cache
def _typehash(function: str) -> bytes:
    return keccak256(_TYPE_STRINGS[function].encode())


def _call(chain: str, vault: str, request: ExactInputSwap | ExactOutputSwap, signature: str) -> VaultCall:
    return VaultCall(
        chain=chain,
        vault=vault,
        request=request,
        owner_signature=signature,
        data=_hex(calldata(request, signature)),
    )


def _check_bps(slippage_bps: int) -> None:
    if not 0 <= slippage_bps < BPS:
        raise InvalidInput(f"slippage must be 0-9999 bps, got {slippage_bps}", field="max_slippage_bps")


def _signature_bytes(signature: str) -> bytes:
    """The signature's 65 bytes; InvalidInput unless the vault's ``ECDSA.tryRecover`` could accept it."""
    try:
        raw = _bytes(signature)
    except ValueError as e:
        raise InvalidInput("the signature is not 0x-hex", field="signature") from e
    if len(raw) != _SIGNATURE_BYTES:
        raise InvalidInput(f"a signature is {_SIGNATURE_BYTES} bytes, got {len(raw)}", field="signature")
    if raw[64] not in (27, 28):
        raise InvalidInput(f"the signature's v must be 27 or 28, got {raw[64]}", field="signature")
    if int.from_bytes(raw[32:64], "big") > _SECP256K1_N // 2:
        raise InvalidInput("the signature's s is in the upper half (malleable)", field="signature")
    return raw


def _bytes(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text.removeprefix("0x"))


def _hex(data: bytes) -> str:
    return "0x" + data.hex()
