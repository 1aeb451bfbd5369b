"""Measures the yield of the manifest's ERC-4626 vaults from their share price now and a lookback ago.

Decisions:
- Two JSON-RPC round trips per chain, whatever the number of vaults: ``eth_blockNumber`` and
  ``eth_gasPrice``, then one batch with both blocks' headers (for their timestamps) and, per vault,
  ``convertToAssets`` at both blocks and ``totalAssets`` and ``decimals`` at the latest. Calls at
  the earlier block need the chain's URLs to serve historical state (an archive node) that far back.
- The share price is ``convertToAssets`` of 10 ** 18 shares, asked as 10 ** (the asset's decimals +
  18) share units (ERC-4626 shares usually have the asset's decimals; a vault with a decimals offset
  is priced correctly from its ``decimals()``). One share would round away the growth of a short
  window: a 4.5 % APY over a minute moves one USDC share by less than one base unit.
- The APY compounds the growth of the share price over the window of block timestamps to a
  365-day year. A vault that has no code or reverts at the earlier block is younger than the
  lookback: it is listed with its price now and no APY, like a window of zero seconds, an earlier
  price of zero or a growth too fast to annualise, each with its reason.
- A vault whose calls at the latest block revert or answer nothing (a wrong address in the
  manifest, a broken vault) is left out and logged: the other vaults still have an answer.
- A chain that no URL answers raises DependencyUnavailable (one without a manifest, NotFound), and
  so does ``yields`` for all the chains asked; a caller that wants the others asks chain by chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, Overflow
from typing import Any

from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError

from tradewind.chains.batch import Reverted, RpcTransport, call_batch, eth_call
from tradewind.chains.registry import Chain
from tradewind.deployments.manifest import DeploymentManifest, VaultEntry
from tradewind.deployments.registry import ManifestSource
from tradewind.errors import DependencyUnavailable
from tradewind.holdings.multicall import selector
from tradewind.observability import logger
from tradewind.wallets.addresses import to_checksum_address
from tradewind.yields.models import VaultYield

SECONDS_PER_YEAR = 365 * 24 * 3600
APY_PLACES = Decimal("0.000001")
MEASURED_SHARES_DIGITS = 18
# Per vault, in this order: convertToAssets now and then, totalAssets now, decimals now.
_CALLS_PER_VAULT = 4
# The two block headers come first in the second batch.
_HEADERS = 2


@dataclass(frozen=True)
class _Blocks:
    """The two blocks a chain's vaults are compared at, with their timestamps, and the gas price."""

    now: int
    then: int
    now_timestamp: int
    then_timestamp: int
    gas_price_wei: int


class VaultYieldReader:
    """Reads the yield of every vault in the manifests of the chains asked, the chains in parallel."""

    def __init__(
        self, manifests: ManifestSource, transport: RpcTransport, *, lookback_blocks: int, deposit_gas: int
    ) -> None:
        if lookback_blocks < 1:
            raise ValueError(f"lookback_blocks must be positive, got {lookback_blocks}")
        if deposit_gas < 1:
            raise ValueError(f"deposit_gas must be positive, got {deposit_gas}")
        self._manifests = manifests
        self._transport = transport
        self._lookback_blocks = lookback_blocks
        self._deposit_gas = deposit_gas

    def yields(self, chains: Sequence[Chain]) -> list[VaultYield]:
        """Every readable vault of ``chains``, chain by chain in the order given, vaults in manifest order."""
        if not chains:
            return []
        with ThreadPoolExecutor(max_workers=len(chains), thread_name_prefix="yields") as pool:
            per_chain = list(pool.map(self.chain_yields, chains))
        return [vault_yield for found in per_chain for vault_yield in found]

    def chain_yields(self, chain: Chain) -> list[VaultYield]:
        """The readable vaults of one chain, in two round trips; DependencyUnavailable if it is down."""
        manifest = self._manifests.manifest(chain.key)
        head = call_batch(self._transport, chain, [("eth_blockNumber", []), ("eth_gasPrice", [])])
        now = _quantity(chain, "eth_blockNumber", head[0])
        then = max(0, now - self._lookback_blocks)
        requests: list[tuple[str, list[Any]]] = [
            ("eth_getBlockByNumber", [hex(now), False]),
            ("eth_getBlockByNumber", [hex(then), False]),
        ]
        for vault in manifest.vaults:
            requests += _vault_requests(manifest, vault, hex(now), hex(then))
        answers = call_batch(self._transport, chain, requests, accept_reverts=True)
        blocks = _Blocks(
            now=now,
            then=then,
            now_timestamp=_timestamp(chain, now, answers[0]),
            then_timestamp=_timestamp(chain, then, answers[1]),
            gas_price_wei=_quantity(chain, "eth_gasPrice", head[1]),
        )
        found: list[VaultYield] = []
        for index, vault in enumerate(manifest.vaults):
            start = _HEADERS + index * _CALLS_PER_VAULT
            vault_yield = self._vault_yield(
                chain, manifest, vault, blocks, answers[start : start + _CALLS_PER_VAULT]
            )
            if vault_yield is not None:
                found.append(vault_yield)
        return found

    def _vault_yield(
        self,
        chain: Chain,
        manifest: DeploymentManifest,
        vault: VaultEntry,
        blocks: _Blocks,
        answers: Sequence[Any],
    ) -> VaultYield | None:
        """The vault's yield from its four answers; None (logged) if it fails at the latest block."""
        assets_now = _uint(answers[0], "uint256")
        assets_then = _uint(answers[1], "uint256")
        total_assets = _uint(answers[2], "uint256")
        share_decimals = _uint(answers[3], "uint8")
        if assets_now is None or total_assets is None or share_decimals is None:
            logger.warning(
                "vault left out of the yields: it does not answer at the latest block",
                extra={"chain": chain.key, "vault": vault.symbol, "block": blocks.now},
            )
            return None
        asset_decimals = manifest.token(vault.asset).decimals
        # convertToAssets(10 ** (a + m) share units) = r asset units: a share is worth r * 10 ** (s - 2a - m).
        per_share = share_decimals - 2 * asset_decimals - MEASURED_SHARES_DIGITS
        window_s = blocks.now_timestamp - blocks.then_timestamp if assets_then is not None else None
        apy, unavailable = self._apy(assets_now, assets_then, blocks)
        return VaultYield(
            chain=chain.key,
            vault=vault.symbol,
            vault_address=to_checksum_address(vault.address),
            asset=vault.asset,
            block_now=blocks.now,
            block_then=blocks.then,
            share_price_now=Decimal(assets_now).scaleb(per_share),
            share_price_then=None if assets_then is None else Decimal(assets_then).scaleb(per_share),
            window_s=window_s,
            apy=apy,
            apy_unavailable=unavailable,
            tvl_assets=Decimal(total_assets).scaleb(-asset_decimals),
            native=chain.native,
            gas_price_wei=blocks.gas_price_wei,
            deposit_gas=self._deposit_gas,
        )

    def _apy(
        self, assets_now: int, assets_then: int | None, blocks: _Blocks
    ) -> tuple[Decimal | None, str | None]:
        """The APY, or None and the reason it cannot be measured."""
        if assets_then is None:
            return None, (
                f"the vault has no code or reverts at block {blocks.then}: it is younger than the "
                f"lookback of {self._lookback_blocks} blocks"
            )
        window_s = blocks.now_timestamp - blocks.then_timestamp
        if window_s <= 0:
            return None, f"blocks {blocks.then} and {blocks.now} have the same timestamp: no time to measure"
        if assets_then == 0:
            return None, f"the share price at block {blocks.then} was zero"
        apy = annualised_growth(assets_now, assets_then, window_s)
        if apy is None:
            return None, f"the share price grew too fast over {window_s} s to annualise"
        return apy, None


def measured_shares(asset_decimals: int) -> int:
    """The share units whose value in assets is the share price read: 10 ** 18 whole shares."""
    return int(10 ** (asset_decimals + MEASURED_SHARES_DIGITS))


def annualised_growth(now: int, then: int, window_s: int) -> Decimal | None:
    """``(now / then) ** (one year / window) - 1`` to six places; None when the result is too large.

    A donation to a vault can multiply its share price within minutes: compounded over a year,
    that is beyond what a Decimal holds.
    """
    try:
        growth = Decimal(now) / Decimal(then)
        return (growth ** (Decimal(SECONDS_PER_YEAR) / Decimal(window_s)) - 1).quantize(APY_PLACES)
    except (Overflow, InvalidOperation):
        return None


def _vault_requests(
    manifest: DeploymentManifest, vault: VaultEntry, now: str, then: str
) -> list[tuple[str, list[Any]]]:
    """The vault's four eth_calls, in the order ``_vault_yield`` reads them."""
    shares = measured_shares(manifest.token(vault.asset).decimals)
    convert = selector("convertToAssets(uint256)") + encode(["uint256"], [shares])
    return [
        eth_call(vault.address, convert, now),
        eth_call(vault.address, convert, then),
        eth_call(vault.address, selector("totalAssets()"), now),
        eth_call(vault.address, selector("decimals()"), now),
    ]


def _uint(answer: Any, abi_type: str) -> int | None:
    """The call's single return value; None when it reverted or returned nothing (no code there)."""
    if isinstance(answer, Reverted):
        return None
    try:
        (value,) = decode([abi_type], bytes.fromhex(str(answer).removeprefix("0x")))
    except (DecodingError, ValueError):
        return None
    return int(value)


def _quantity(chain: Chain, method: str, answer: Any) -> int:
    """A JSON-RPC hex quantity; a node answering anything else is unwell."""
    try:
        return int(str(answer), 16)
    except ValueError as e:
        raise DependencyUnavailable(f"{method} answered {answer!r}", dependency=f"chain:{chain.key}") from e


def _timestamp(chain: Chain, number: int, block: Any) -> int:
    """The block's timestamp; a node that does not know the block (one behind the others) is unwell."""
    if not isinstance(block, dict) or "timestamp" not in block:
        raise DependencyUnavailable(f"block {number} is unknown to the node", dependency=f"chain:{chain.key}")
    return _quantity(chain, "eth_getBlockByNumber", block["timestamp"])
