"""The trade flow's Analyze step and what its Risk step needs: quote, vault call, vault state, simulation.

Decisions:
- Gas is QuoterV2's estimate of the route plus the transaction's overhead (``VAULT_GAS_OVERHEAD``: the
  intrinsic gas, the vault's checks, the approval set and reset, balance reads, window, event). An
  ``eth_estimateGas`` of the call would be exact, but it reverts for every trade that needs the
  owner's signature, which is what the estimate is shown to the owner for; the sender estimates
  again when it sends. The integration tests hold the overhead against the node's estimate.
- Exact-output trades are held to ``maxAmountIn``, the most the vault may sell: its value, the caps
  and the signature threshold (which the vault itself applies to ``maxAmountIn``). A limit passed
  with the worst case is a limit kept.
- ``candidate`` reads the vault in one JSON-RPC batch: its rules for the sold token, its sales in the
  window, slippage limit, owner, nonce and domain separator, and the simulation. The simulation is
  an ``eth_call`` of the exact calldata from the service's operator address (the vault's operator
  is the factory's, which is the service's key; the batch cannot read it first). A call that still
  needs the owner's signature is also simulated signed by a stand-in owner, under a state override
  of the vault's owner and nonce slots: that proves all but the signature (router, pools, caps,
  slippage), which is what the owner is asked to approve. Without it every such trade would be
  rejected for the ``OwnerSignatureRequired`` its unsigned call reverts with.
- ``call_batch`` drops a reverted call's data; the transport is wrapped so that the revert data of
  the simulation can be decoded against the vault's errors.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import cache
from typing import Any, Protocol

from eth_abi.abi import encode

from tradewind.chain.reverts import RevertInfo, decode_revert
from tradewind.chains.batch import Reverted, RpcRequest, RpcTransport, call_batch, eth_call
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.crypto.keccak import keccak256
from tradewind.deployments.manifest import DeploymentManifest, TokenEntry
from tradewind.deployments.registry import ManifestSource
from tradewind.errors import DependencyUnavailable, InvalidInput, NotFound
from tradewind.holdings.multicall import selector
from tradewind.risk.models import BPS, Simulation, TradeCandidate, VaultTokenLimits
from tradewind.trading.analysis_models import Analysis, OwnerApproval, Review
from tradewind.trading.models import Trade, TradeOrigin
from tradewind.trading.quote_models import Quote
from tradewind.trading.quotes import PriceLookup, Quoter
from tradewind.trading.vault_calls import (
    VAULT_ERRORS_ABI,
    VaultCall,
    build_vault_call,
    domain_separator,
    sign_digest,
    typed_data_digest,
    with_owner_signature,
)
from tradewind.vaults.models import Vault, VaultStatus
from tradewind.wallets.addresses import to_checksum_address

VAULT_GAS_OVERHEAD = 150_000
"""Gas of the transaction beyond the router's swap (21,000 intrinsic, calldata, the vault's checks, approvals,
balance reads, rolling window and event); measured on local-l1 at 148,000 for one hop, 161,000 for two."""
VOLUME_WINDOW = timedelta(hours=24)
# TradingVault's storage layout (forge inspect TradingVault storageLayout): Ownable's _owner, and nonce.
_OWNER_SLOT, _NONCE_SLOT = 0, 7
# A key anyone may know: it signs only inside simulations, where a state override makes it the owner.
_STAND_IN_KEY = keccak256(b"tradewind: stand-in vault owner, simulations only")
_SIGNATURE_REQUIRED = "OwnerSignatureRequired(address,uint256,uint256)"
_USD_PLACES = Decimal("0.000001")


class RecentVolume(Protocol):
    """What a user sold, in USD at the time of each trade (the trades repository's confirmed trades)."""

    def usd_sold_since(self, user_id: str, since: datetime) -> Decimal:
        """USD the user's confirmed trades sold since ``since``."""
        ...


class TradeAnalyzer:
    """Quotes a trade, builds its vault call, and gathers what the risk check needs from the chain."""

    def __init__(
        self,
        chains: ChainRegistry,
        manifests: ManifestSource,
        transport: RpcTransport,
        prices: PriceLookup,
        volume: RecentVolume,
        *,
        operator: str,
        clock: Callable[[], datetime],
    ) -> None:
        """``operator`` is the service's signing address, the operator of every vault it opens."""
        self._chains = chains
        self._manifests = manifests
        self._transport = transport
        self._prices = prices
        self._quoter = Quoter(manifests, transport, prices)
        self._volume = volume
        self._operator = to_checksum_address(operator)
        self._clock = clock

    def analyze(self, trade: Trade, vault: Vault | None) -> Analysis:
        """Quote ``trade`` from ``vault`` (the user's record of ``trade.request.vault``; None if there is
        none) and build its unsigned vault call. One round trip to the chain, plus the price service.
        """
        address, chain = self._active(trade, vault)
        manifest = self._manifests.manifest(chain.key)
        request = trade.request
        quote = self._quoter.quote(chain, request.sell_token, request.buy_token, request.amount, request.side)
        now = self._clock()
        call = build_vault_call(
            request,
            quote,
            vault_address=address,
            router=manifest.uniswap_v3.swap_router,
            max_slippage_bps=request.max_slippage_bps,
            now=now,
        )
        sell, buy = (
            _by_address(manifest, quote.token_in_address),
            _by_address(manifest, quote.token_out_address),
        )
        return Analysis(
            trade_id=trade.id,
            vault_id=trade.request.vault,
            chain=chain.key,
            quote=quote,
            call=call,
            sell_decimals=sell.decimals,
            buy_decimals=buy.decimals,
            usd_value=self._usd_value(quote, call.request.sold_at_most, sell, buy),
            gas_estimate=quote.gas_estimate + VAULT_GAS_OVERHEAD,
            analyzed_at=now,
        )

    def candidate(self, trade: Trade, vault: Vault | None, analysis: Analysis) -> Review:
        """The risk candidate of an analysed trade, read from the vault in one batch, with the owner's
        approval to ask for when the sale is above the vault's signature threshold.
        """
        address, chain = self._active(trade, vault)
        if (analysis.trade_id, analysis.chain) != (trade.id, chain.key) or analysis.call.vault != address:
            raise InvalidInput(
                f"the analysis is not of trade {trade.id} from vault {address}", field="analysis"
            )
        call, quote = analysis.call, analysis.quote
        sell = quote.token_in_address
        views = [
            _view(address, "tokenConfig(address)", sell),
            _view(address, "soldInWindow(address)", sell),
            _view(address, "maxSlippageBps()"),
            _view(address, "owner()"),
            _view(address, "nonce()"),
            _view(address, "domainSeparator()"),
        ]
        simulations = [_simulation_request(call, self._operator)]
        if call.owner_signature == "0x":
            simulations.append(_stand_in_request(chain, call, self._operator))
        answers, revert_data = self._batch(chain, [*views, *simulations])
        config, sold, slippage, owner, nonce, separator = (
            _words(answer, address, chain) for answer in answers[: len(views)]
        )
        exact, *signed = (
            _outcome(answer, revert_data.get(index))
            for index, answer in enumerate(answers[len(views) :], start=len(views))
        )
        # The stand-in's outcome counts only when the exact call failed for want of the owner's signature.
        stand_in = bool(signed) and exact[1] == _SIGNATURE_REQUIRED
        simulation = signed[0][0] if stand_in else exact[0]
        limits = VaultTokenLimits(
            allowed=bool(config[0]),
            max_per_trade=config[1],
            max_per_day=config[2],
            signature_threshold=config[3],
            max_slippage_bps=slippage[0],
            sold_last_24h=sold[0],
        )
        approval = None
        if call.owner_signature == "0x" and call.request.sold_at_most > limits.signature_threshold:
            approval = OwnerApproval(
                owner=_address(owner[0]),
                nonce=nonce[0],
                digest="0x" + typed_data_digest(call, separator[0].to_bytes(32, "big"), nonce[0]).hex(),
                threshold=limits.signature_threshold,
            )
        return Review(
            candidate=self._trade_candidate(trade, analysis, limits, simulation, _address(owner[0])),
            owner_approval=approval,
            stand_in_owner=stand_in,
        )

    def simulate(self, chain_key: str, call: VaultCall, sender: str) -> Simulation:
        """An ``eth_call`` of ``call`` from ``sender`` at the latest block: whether it succeeds, else why."""
        chain = self._chains.get(chain_key)
        answers, revert_data = self._batch(chain, [_simulation_request(call, sender)])
        return _outcome(answers[0], revert_data.get(0))[0]

    def _trade_candidate(
        self,
        trade: Trade,
        analysis: Analysis,
        limits: VaultTokenLimits,
        simulation: Simulation,
        owner: str,
    ) -> TradeCandidate:
        quote, call = analysis.quote, analysis.call
        impact = quote.price_impact_bps
        since = self._clock() - VOLUME_WINDOW
        return TradeCandidate(
            chain=analysis.chain,
            vault_id=analysis.vault_id,
            vault_address=call.vault,
            owner=owner,
            sell_symbol=quote.token_in,
            sell_token=quote.token_in_address,
            sell_decimals=analysis.sell_decimals,
            buy_symbol=quote.token_out,
            buy_token=quote.token_out_address,
            buy_decimals=analysis.buy_decimals,
            amount_in=call.request.sold_at_most,
            expected_amount_out=quote.amount_out,
            usd_value=analysis.usd_value,
            # The rules compare whole bps: a fraction rounds against the trade, a better fill counts as 0.
            price_impact_bps=None
            if impact is None
            else min(BPS, max(0, int(impact.to_integral(ROUND_CEILING)))),
            price_impact_note=quote.price_impact_unavailable,
            max_slippage_bps=trade.request.max_slippage_bps,
            vault_limits=limits,
            # The vault pays every swap's output to itself; nothing in the call can send it elsewhere.
            recipient=call.vault,
            router=call.request.router,
            pool=self._pool(analysis),
            simulation=simulation,
            volume_24h_usd=self._volume.usd_sold_since(trade.user_id, since).quantize(_USD_PLACES),
            proposed_by_assistant=trade.request.origin is TradeOrigin.ASSISTANT,
        )

    def _pool(self, analysis: Analysis) -> str | None:
        """The pool of a one-hop route, for the deny list; a two-hop route has two and the field one."""
        route = analysis.quote.route
        if route.hops != 1:
            return None
        pair = {symbol for symbol in route.symbols}
        manifest = self._manifests.manifest(analysis.chain)
        for pool in manifest.pools:
            if {pool.token0, pool.token1} == pair and pool.fee == route.fees[0]:
                return to_checksum_address(pool.address)
        return None

    def _active(self, trade: Trade, vault: Vault | None) -> tuple[str, Chain]:
        """The vault's address and chain; NotFound or InvalidInput (field ``vault``) if it cannot trade."""
        wanted = trade.request.vault
        if vault is None or vault.id != wanted:
            raise NotFound(f"vault {wanted} not found", field="vault")
        if vault.status is not VaultStatus.ACTIVE or vault.address is None:
            raise InvalidInput(f"vault {wanted} is {vault.status.value}, not active", field="vault")
        if vault.chain not in self._chains:
            raise InvalidInput(
                f"vault {wanted} is on chain {vault.chain}, which is not active", field="vault"
            )
        return to_checksum_address(vault.address), self._chains.get(vault.chain)

    def _usd_value(self, quote: Quote, sold: int, sell: TokenEntry, buy: TokenEntry) -> Decimal:
        """``sold`` of the sell token in USD; by the buy token's price (at the quote's rate) if it has none.

        A flagged price is not used: the risk rules compare this value with the user's limits.
        """
        prices = self._prices.prices([sell.symbol, buy.symbol], partial=True)
        units = Decimal(sold).scaleb(-sell.decimals)
        sell_price, buy_price = prices.get(sell.symbol), prices.get(buy.symbol)
        if sell_price is not None and not sell_price.flagged:
            return (units * sell_price.usd).quantize(_USD_PLACES)
        if buy_price is not None and not buy_price.flagged:
            return (units * quote.execution_price * buy_price.usd).quantize(_USD_PLACES)
        raise DependencyUnavailable(
            f"no trustworthy USD price of {sell.symbol} or {buy.symbol} to value the trade",
            dependency="prices",
        )

    def _batch(self, chain: Chain, requests: list[tuple[str, list[Any]]]) -> tuple[list[Any], dict[int, str]]:
        """The answers, and the revert data of the calls that reverted, by index."""
        keeping = _KeepsRevertData(self._transport)
        answers = call_batch(keeping, chain, requests, accept_reverts=True)
        return answers, keeping.revert_data


class _KeepsRevertData:
    """The transport, keeping the revert data of the last batch's answers (``Reverted`` carries none).

    ``call_batch`` returns the answers of the last URL it posted to, so the last batch is the one used.
    """

    def __init__(self, inner: RpcTransport) -> None:
        self._inner = inner
        self.revert_data: dict[int, str] = {}

    def post(self, url: str, batch: list[RpcRequest]) -> list[dict[str, Any]]:
        answers = self._inner.post(url, batch)
        self.revert_data = {
            answer["id"]: str(answer["error"].get("data") or "0x")
            for answer in answers
            if isinstance(answer, dict) and isinstance(answer.get("error"), dict)
        }
        return answers


def _view(vault: str, signature: str, *addresses: str) -> tuple[str, list[Any]]:
    data = selector(signature) + encode(["address"] * len(addresses), list(addresses))
    return eth_call(vault, data, "latest")


def _simulation_request(call: VaultCall, sender: str) -> tuple[str, list[Any]]:
    return eth_call(call.vault, bytes.fromhex(call.data[2:]), "latest", sender)


def _stand_in_request(chain: Chain, call: VaultCall, sender: str) -> tuple[str, list[Any]]:
    """The call signed by the stand-in owner, with the vault's owner and nonce overridden to match."""
    digest = typed_data_digest(call, domain_separator(chain.chain_id, call.vault), 0)
    signed = with_owner_signature(call, sign_digest(_STAND_IN_KEY, digest))
    method, params = _simulation_request(signed, sender)
    owner_word = "0x" + _stand_in_owner().lower().removeprefix("0x").rjust(64, "0")
    overrides = {call.vault: {"stateDiff": {_slot(_OWNER_SLOT): owner_word, _slot(_NONCE_SLOT): _slot(0)}}}
    return method, [*params, overrides]


def _outcome(answer: Any, revert_data: str | None) -> tuple[Simulation, str | None]:
    """The simulation of an ``eth_call`` answer, and the signature of the error it reverted with if known."""
    if not isinstance(answer, Reverted):
        return Simulation(succeeded=True), None
    info = decode_revert(bytes.fromhex((revert_data or "0x").removeprefix("0x")), VAULT_ERRORS_ABI)
    return Simulation(succeeded=False, revert_reason=_describe(info)), info.error


def _describe(info: RevertInfo) -> str:
    """A revert as people read it: ``TradeCapExceeded(0x..., 5, 3)``, a require's message, or the data."""
    if info.error is None:
        return f"reverted with unknown data {info.data}" if info.selector else "reverted without a reason"
    if info.reason is not None:
        return info.reason
    name = info.error.split("(", 1)[0]
    return f"{name}({', '.join(str(arg) for arg in info.args)})"


def _words(answer: Any, vault: str, chain: Chain) -> list[int]:
    """The 32-byte words of a view's answer; a vault that does not answer is a chain problem."""
    body = "" if isinstance(answer, Reverted) else str(answer).removeprefix("0x")
    if not body or len(body) % 64:
        raise DependencyUnavailable(
            f"{vault} on {chain.key} did not answer as a TradingVault", dependency=f"chain:{chain.key}"
        )
    return [int(body[i : i + 64], 16) for i in range(0, len(body), 64)]


def _address(word: int) -> str:
    return to_checksum_address(f"0x{word:040x}")


def _slot(index: int) -> str:
    return f"0x{index:064x}"


@cache
def _stand_in_owner() -> str:
    from eth_keys.datatypes import PrivateKey  # noqa: PLC0415 - deferred as in vault_calls

    address: str = PrivateKey(_STAND_IN_KEY).public_key.to_checksum_address()
    return address


def _by_address(manifest: DeploymentManifest, address: str) -> TokenEntry:
    for token in manifest.tokens:
        if token.address.lower() == address.lower():
            return token
    raise NotFound(f"{address} is not in the {manifest.chain_key} manifest")
