"""Reads a vault's state from its chain with one JSON-RPC batch, without web3 (the API's cold start).

Every call here takes and returns static ABI types (addresses, uints, bools), which are 32-byte
words: encoding them by hand is simpler than loading an ABI library into the API.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from tradewind.chains.batch import HttpxTransport, call_batch
from tradewind.chains.registry import Chain
from tradewind.crypto.keccak import keccak256
from tradewind.deployments.manifest import DeploymentManifest
from tradewind.vaults.models import TokenLimits, VaultState
from tradewind.wallets.addresses import to_checksum_address

_WORD = 64  # hex characters in a 32-byte ABI word


@cache
def _selector(signature: str) -> str:
    return "0x" + keccak256(signature.encode()).hex()[:8]


def _call(to: str, signature: str, *addresses: str) -> dict[str, str]:
    arguments = "".join(address.lower().removeprefix("0x").rjust(_WORD, "0") for address in addresses)
    return {"to": to, "data": _selector(signature) + arguments}


def _words(result: str) -> list[int]:
    body = result.removeprefix("0x")
    return [int(body[i : i + _WORD], 16) for i in range(0, len(body), _WORD)]


def _address(word: int) -> str:
    return to_checksum_address(f"0x{word:040x}")


def _units(amount: int, decimals: int) -> str:
    """Base units as a plain decimal string in token units: 50000000 with 6 decimals is "50"."""
    return format(Decimal(amount).scaleb(-decimals).normalize(), "f")


class VaultStateReader:
    """Reads owner, roles, pause, slippage, per-token limits and balances in one round trip."""

    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s

    def read(self, chain: Chain, manifest: DeploymentManifest, vault: str) -> VaultState:
        """The vault's state on ``chain``; its tokens are the manifest's."""
        calls = [
            _call(vault, "owner()"),
            _call(vault, "operator()"),
            _call(vault, "guardian()"),
            _call(vault, "paused()"),
            _call(vault, "maxSlippageBps()"),
        ]
        for token in manifest.tokens:
            calls.append(_call(vault, "tokenConfig(address)", token.address))
            calls.append(_call(token.address, "balanceOf(address)", vault))
        results = self._batch(chain, calls)
        owner, operator, guardian, paused, slippage = (_words(result)[0] for result in results[:5])
        limits: dict[str, TokenLimits] = {}
        balances: dict[str, str] = {}
        for index, token in enumerate(manifest.tokens):
            allowed, per_trade, per_day, threshold = _words(results[5 + 2 * index])[:4]
            limits[token.symbol] = TokenLimits(
                allowed=bool(allowed),
                max_per_trade=_units(per_trade, token.decimals),
                max_per_day=_units(per_day, token.decimals),
                signature_threshold=_units(threshold, token.decimals),
            )
            balances[token.symbol] = _units(_words(results[6 + 2 * index])[0], token.decimals)
        return VaultState(
            owner=_address(owner),
            operator=_address(operator),
            guardian=_address(guardian),
            paused=bool(paused),
            max_slippage_bps=slippage,
            limits=limits,
            balances=balances,
        )

    def _batch(self, chain: Chain, calls: list[dict[str, str]]) -> list[str]:
        """``eth_call`` each of ``calls`` in one batch request, trying the chain's URLs in order."""
        transport = HttpxTransport(self._timeout_s)
        try:
            results: list[str] = call_batch(
                transport, chain, [("eth_call", [call, "latest"]) for call in calls]
            )
        finally:
            transport.close()
        return results
