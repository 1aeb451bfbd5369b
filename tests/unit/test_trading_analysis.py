"""Vault calls and owner approvals without a chain: slippage bounds, encodings, EIP-712, signatures."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from eth_abi.abi import decode
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from pydantic import ValidationError

from tests.unit.manifests import placeholder
from tradewind.chains.registry import ChainRegistry
from tradewind.errors import InvalidInput, NotFound
from tradewind.holdings.multicall import selector
from tradewind.prices.models import Price
from tradewind.trading.analysis import TradeAnalyzer
from tradewind.trading.models import Trade, TradeRequest, TradeSide, TradeStatus
from tradewind.trading.quote_models import Quote, Route
from tradewind.trading.vault_calls import (
    ExactInputSwap,
    VaultCall,
    build_vault_call,
    domain_separator,
    max_amount_in,
    min_amount_out,
    owner_digest,
    recover_signer,
    typed_data_digest,
    with_owner_signature,
)
from tradewind.vaults.models import Vault, VaultStatus
from tradewind.wallets.addresses import to_checksum_address

PATH_REQUEST = "(address,bytes,uint256,uint256,uint256,uint256)"
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
VAULT = to_checksum_address(placeholder("7"))
ROUTER = to_checksum_address(placeholder("4"))
WETH, USDC, WBTC = (to_checksum_address(placeholder(d)) for d in "abc")
# Anvil's account 2: a key everyone knows, never one with value.
OWNER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
OWNER = Account.from_key(OWNER_KEY).address
HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
ORDER = 2 * HALF_ORDER + 1


def _quote(side: TradeSide, amount_in: int, amount_out: int) -> Quote:
    tokens, fees = (WBTC, WETH, USDC), (3000, 500)
    path = "0x" + WBTC[2:].lower() + "000bb8" + WETH[2:].lower() + "0001f4" + USDC[2:].lower()
    back = "0x" + USDC[2:].lower() + "0001f4" + WETH[2:].lower() + "000bb8" + WBTC[2:].lower()
    return Quote(
        chain="local-l1",
        side=side,
        token_in="WBTC",
        token_in_address=WBTC,
        token_out="USDC",
        token_out_address=USDC,
        amount_in=amount_in,
        amount_out=amount_out,
        amount_in_units=Decimal(amount_in).scaleb(-8),
        amount_out_units=Decimal(amount_out).scaleb(-6),
        route=Route(
            tokens=tokens, symbols=("WBTC", "WETH", "USDC"), fees=fees, path=path, reversed_path=back
        ),
        gas_estimate=150_000,
        ticks_crossed=(1, 1),
        sqrt_prices_x96_after=(1, 1),
        candidates=(),
        execution_price=Decimal(60_000),
    )


def _request(side: TradeSide = TradeSide.EXACT_IN, slippage: int = 50) -> TradeRequest:
    return TradeRequest(
        vault="v1",
        sell_token="WBTC",
        buy_token="USDC",
        amount=Decimal(1),
        side=side,
        max_slippage_bps=slippage,
    )


def _exact_in_call(slippage: int = 50) -> VaultCall:
    quote = _quote(TradeSide.EXACT_IN, 10**8, 60_000 * 10**6 + 7)
    return build_vault_call(
        _request(slippage=slippage),
        quote,
        vault_address=VAULT,
        router=ROUTER,
        max_slippage_bps=slippage,
        now=NOW,
    )


@pytest.mark.parametrize("quoted", [1, 3, 999, 10**6 + 1, 60_000 * 10**6 + 7, 2**200 + 13])
@pytest.mark.parametrize("bps", [0, 1, 50, 100, 9_999])
def test_slippage_bounds_are_the_tightest_the_vault_accepts(quoted: int, bps: int) -> None:
    # Given a quote and a slippage
    # When the bounds are computed
    least_out, most_in = min_amount_out(quoted, bps), max_amount_in(quoted, bps)
    # Then the vault's checks pass: minOut * 10000 >= quote * (10000 - bps), the mirror for maxIn
    assert least_out * 10_000 >= quoted * (10_000 - bps)
    assert most_in * 10_000 <= quoted * (10_000 + bps)
    # And one unit looser would not: the bounds round toward the quote, exactly, in integers
    assert (least_out - 1) * 10_000 < quoted * (10_000 - bps)
    assert (most_in + 1) * 10_000 > quoted * (10_000 + bps)


def test_rounding_away_from_the_quote_would_be_refused_by_the_vault() -> None:
    # Given 3 base units quoted and 50 bps: 2.985 out at least, 3.015 in at most
    # Then the bounds are 3 and 3 (floor of the first, 2, fails the vault's minOut check)
    assert (min_amount_out(3, 50), max_amount_in(3, 50)) == (3, 3)
    assert 2 * 10_000 < 3 * (10_000 - 50)


def test_a_slippage_of_the_whole_amount_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        min_amount_out(100, 10_000)
    assert caught.value.field == "max_slippage_bps"


def test_an_exact_input_call_encodes_its_request_and_round_trips() -> None:
    # Given a two-hop exact-input quote of 1 WBTC for 60,000.000007 USDC, at 50 bps
    call = _exact_in_call()
    # Then the call is swapExactInput along the trade-direction path, due deadline_s after now
    assert call.function == "swapExactInput"
    assert isinstance(call.request, ExactInputSwap)
    assert call.request.deadline == int(NOW.timestamp()) + 300
    # And its calldata decodes to exactly those fields, with an empty signature
    data = bytes.fromhex(call.data[2:])
    assert data[:4] == selector(f"swapExactInput({PATH_REQUEST},bytes)")
    (router, path, amount_in, least_out, quoted, deadline), signature = decode(
        [PATH_REQUEST, "bytes"], data[4:]
    )
    assert to_checksum_address(router) == ROUTER
    assert "0x" + path.hex() == call.request.path
    assert path[:20].hex() == WBTC[2:].lower()
    assert (amount_in, quoted, deadline) == (10**8, 60_000 * 10**6 + 7, call.request.deadline)
    assert least_out == min_amount_out(quoted, 50)
    assert signature == b""
    # And the call survives JSON (the state machine's hand-off) unchanged, big amounts as strings
    dumped = call.model_dump(mode="json")
    assert dumped["request"]["amount_in"] == "100000000"
    assert VaultCall.model_validate_json(call.model_dump_json()) == call


def test_an_exact_output_call_caps_the_input_and_keeps_the_trade_direction_path() -> None:
    # Given an exact-output quote: 60,000 USDC out for 100,000,003 WBTC base units in
    quote = _quote(TradeSide.EXACT_OUT, 100_000_003, 60_000 * 10**6)
    # When the call is built at 100 bps
    call = build_vault_call(
        _request(TradeSide.EXACT_OUT, 100),
        quote,
        vault_address=VAULT,
        router=ROUTER,
        max_slippage_bps=100,
        now=NOW,
    )
    # Then it is swapExactOutput with maxAmountIn floor(quoted * 1.01), the path still WBTC first
    data = bytes.fromhex(call.data[2:])
    assert data[:4] == selector(f"swapExactOutput({PATH_REQUEST},bytes)")
    (_, path, amount_out, most_in, quoted_in, _), _ = decode([PATH_REQUEST, "bytes"], data[4:])
    assert (amount_out, quoted_in, most_in) == (60_000 * 10**6, 100_000_003, 101_000_003)
    assert "0x" + path.hex() == quote.route.path
    assert call.request.sold_at_most == most_in


def test_a_quote_for_the_other_side_is_invalid_input() -> None:
    quote = _quote(TradeSide.EXACT_OUT, 10**8, 10**6)
    with pytest.raises(InvalidInput) as caught:
        build_vault_call(_request(), quote, vault_address=VAULT, router=ROUTER, max_slippage_bps=50, now=NOW)
    assert caught.value.field == "side"


def test_a_call_whose_calldata_says_something_else_is_refused() -> None:
    # Given a call's JSON whose amount was edited after encoding
    document: dict[str, Any] = _exact_in_call().model_dump(mode="json")
    document["request"]["amount_in"] = "200000000"
    # Then it does not validate
    with pytest.raises(ValidationError, match="not the encoding"):
        VaultCall.model_validate(document)


def test_the_digest_view_call_encodes_the_request_and_nonce() -> None:
    call = _exact_in_call()
    data = owner_digest(call, nonce=7)
    assert data[:4] == selector(f"pathSwapDigest({PATH_REQUEST},uint256)")
    request, nonce = decode([PATH_REQUEST, "uint256"], data[4:])
    assert (request[2], request[4], nonce) == (call.request.fields()[2], call.request.fields()[4], 7)


def test_the_digest_is_eip712_as_an_independent_implementation_computes_it() -> None:
    # Given an exact-input call and the vault's domain on chain 31337
    call = _exact_in_call()
    assert isinstance(call.request, ExactInputSwap)
    request = call.request
    # When eth_account hashes the same typed data
    expected = _hash_eip191_message(
        encode_typed_data(
            full_message={
                "types": {
                    "EIP712Domain": [
                        {"name": "name", "type": "string"},
                        {"name": "version", "type": "string"},
                        {"name": "chainId", "type": "uint256"},
                        {"name": "verifyingContract", "type": "address"},
                    ],
                    "PathSwapExactInput": [
                        {"name": "router", "type": "address"},
                        {"name": "path", "type": "bytes"},
                        {"name": "amountIn", "type": "uint256"},
                        {"name": "minAmountOut", "type": "uint256"},
                        {"name": "quotedAmountOut", "type": "uint256"},
                        {"name": "deadline", "type": "uint256"},
                        {"name": "nonce", "type": "uint256"},
                    ],
                },
                "primaryType": "PathSwapExactInput",
                "domain": {
                    "name": "TradewindTradingVault",
                    "version": "1",
                    "chainId": 31337,
                    "verifyingContract": VAULT,
                },
                "message": {
                    "router": request.router,
                    "path": bytes.fromhex(request.path[2:]),
                    "amountIn": request.amount_in,
                    "minAmountOut": request.min_amount_out,
                    "quotedAmountOut": request.quoted_amount_out,
                    "deadline": request.deadline,
                    "nonce": 3,
                },
            }
        )
    )
    # Then the digest is the same
    assert typed_data_digest(call, domain_separator(31337, VAULT), 3) == expected


def test_a_signature_recovers_to_the_key_that_signed_and_the_call_carries_it() -> None:
    # Given the owner signs the digest of a call
    call = _exact_in_call()
    digest = typed_data_digest(call, domain_separator(31337, VAULT), 0)
    signature = Account.from_key(OWNER_KEY).unsafe_sign_hash(digest).signature.to_0x_hex()
    # When the signer is recovered
    # Then it is the owner
    assert recover_signer(digest, signature) == OWNER
    # And the signed call encodes the signature after the same request
    signed = with_owner_signature(call, signature)
    _, carried = decode([PATH_REQUEST, "bytes"], bytes.fromhex(signed.data[10:]))
    assert "0x" + carried.hex() == signature.lower() == signed.owner_signature
    assert signed.request == call.request


def test_another_digest_recovers_to_someone_else() -> None:
    call = _exact_in_call()
    digest = typed_data_digest(call, domain_separator(31337, VAULT), 0)
    signature = Account.from_key(OWNER_KEY).unsafe_sign_hash(digest).signature.to_0x_hex()
    other = typed_data_digest(call, domain_separator(31337, VAULT), 1)
    assert recover_signer(other, signature) != OWNER


def _malleable(signature: str) -> str:
    raw = bytes.fromhex(signature[2:])
    s = ORDER - int.from_bytes(raw[32:64], "big")
    return "0x" + (raw[:32] + s.to_bytes(32, "big") + bytes([55 - raw[64]])).hex()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda sig: sig[:-2],  # 64 bytes
        lambda sig: sig + "00",  # 66 bytes
        lambda sig: "0xzz" + sig[4:],  # not hex
        lambda sig: sig[:-2] + "01",  # v = 1, which ecrecover refuses
        _malleable,  # the same signature with s in the upper half
    ],
)
def test_signatures_the_vault_would_refuse_are_invalid_input(tamper: Any) -> None:
    # Given a valid signature, tampered with
    digest = typed_data_digest(_exact_in_call(), domain_separator(31337, VAULT), 0)
    signature = Account.from_key(OWNER_KEY).unsafe_sign_hash(digest).signature.to_0x_hex()
    # Then recovering its signer, or attaching it to a call, is InvalidInput naming the signature
    for attempt in (
        lambda: recover_signer(digest, tamper(signature)),
        lambda: with_owner_signature(_exact_in_call(), tamper(signature)),
    ):
        with pytest.raises(InvalidInput) as caught:
            attempt()
        assert caught.value.field == "signature"


class _NoVolume:
    def usd_sold_since(self, user_id: str, since: datetime) -> Decimal:
        return Decimal(0)


class _NoPrices:
    def prices(self, symbols: Any, *, partial: bool = False) -> dict[str, Price]:
        return {}


class _Unused:
    """Manifests and transport of an analyzer that must refuse before asking anything."""

    def manifest(self, chain_key: str) -> Any:
        raise AssertionError("nothing should be read")

    def post(self, url: str, batch: Any) -> Any:
        raise AssertionError("nothing should be sent")


def _trade() -> Trade:
    return Trade(
        id="t1",
        user_id="u1",
        request=_request(),
        status=TradeStatus.ANALYZING,
        timeline=(),
        created_at=NOW,
        updated_at=NOW,
    )


def _vault(**changes: Any) -> Vault:
    fields: dict[str, Any] = {
        "id": "v1",
        "chain": "local-l1",
        "owner": OWNER,
        "status": VaultStatus.ACTIVE,
        "address": VAULT,
        "created_at": NOW,
    }
    return Vault(**{**fields, **changes})


@pytest.mark.parametrize(
    ("vault", "error"),
    [
        (None, NotFound),
        (_vault(id="v2"), NotFound),
        (_vault(status=VaultStatus.DEPLOYING, address=None), InvalidInput),
        (_vault(status=VaultStatus.FAILED), InvalidInput),
        (_vault(chain="local-l2"), InvalidInput),
    ],
)
def test_a_vault_that_cannot_trade_is_refused_naming_the_field(
    vault: Vault | None, error: type[Exception]
) -> None:
    # Given an analyzer for local-l1 only, and a vault that is missing, another, not active or elsewhere
    unused = _Unused()
    analyzer = TradeAnalyzer(
        ChainRegistry.select(["local-l1"], {"local-l1": ["http://127.0.0.1:1"]}),
        unused,
        unused,
        _NoPrices(),
        _NoVolume(),
        operator=placeholder("8"),
        clock=lambda: NOW,
    )
    # When the trade is analysed
    with pytest.raises(error) as caught:
        analyzer.analyze(_trade(), vault)
    # Then the error names the vault, before anything is asked of the chain
    refused = caught.value
    assert isinstance(refused, InvalidInput | NotFound)
    assert (refused.field if isinstance(refused, InvalidInput) else refused.extra["field"]) == "vault"
