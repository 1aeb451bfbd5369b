"""A trade candidate for the risk tests, within every limit unless a test changes it."""

from __future__ import annotations

from typing import Any

from tradewind.risk.models import TradeCandidate
from tradewind.wallets.addresses import to_checksum_address

USDC = 10**6
VAULT = to_checksum_address("0x" + "a1" * 20)
OWNER = to_checksum_address("0x" + "b2" * 20)
ROUTER = to_checksum_address("0x" + "c3" * 20)
POOL = to_checksum_address("0x" + "d4" * 20)
USDC_TOKEN = to_checksum_address("0x" + "e5" * 20)
WETH_TOKEN = to_checksum_address("0x" + "f6" * 20)
ELSEWHERE = to_checksum_address("0x" + "07" * 20)


def sample_candidate(**changes: Any) -> TradeCandidate:
    """500 USDC for WETH from a vault whose USDC caps are 1000 a trade, 5000 a day, signature above 2000.

    ``vault_limits`` changes some of those limits; None stands for limits that could not be read.
    """
    limit_changes = changes.pop("vault_limits", {})
    limits = (
        None
        if limit_changes is None
        else {
            "allowed": True,
            "max_per_trade": 1000 * USDC,
            "max_per_day": 5000 * USDC,
            "signature_threshold": 2000 * USDC,
            "max_slippage_bps": 100,
            "sold_last_24h": 0,
            **limit_changes,
        }
    )
    fields: dict[str, Any] = {
        "chain": "local-l1",
        "vault_id": "v1",
        "vault_address": VAULT,
        "owner": OWNER,
        "sell_symbol": "USDC",
        "sell_token": USDC_TOKEN,
        "sell_decimals": 6,
        "buy_symbol": "WETH",
        "buy_token": WETH_TOKEN,
        "buy_decimals": 18,
        "amount_in": 500 * USDC,
        "expected_amount_out": 166_666_666_666_666_666,
        "usd_value": "500",
        "price_impact_bps": 10,
        "max_slippage_bps": 50,
        "vault_limits": limits,
        "recipient": VAULT,
        "router": ROUTER,
        "pool": POOL,
        "simulation": {"succeeded": True},
        "volume_24h_usd": "0",
        **changes,
    }
    return TradeCandidate.model_validate(fields)
