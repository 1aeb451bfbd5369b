"""The chain registry: every chain Tradewind can work on, and the active selection."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from tradewind.errors import InvalidInput, NotFound


class NativeToken(BaseModel):
    """The gas token of a chain."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    decimals: int = 18


class Chain(BaseModel):
    """One EVM chain: identity, RPC URLs in failover order and finality rules."""

    model_config = ConfigDict(frozen=True)

    key: str = Field(pattern=r"^[a-z0-9-]+$")
    chain_id: int = Field(gt=0)
    name: str
    rpc_urls: tuple[HttpUrl, ...] = Field(min_length=1)
    native: NativeToken
    block_time_s: float = Field(gt=0)
    confirmations: int = Field(ge=1)
    local: bool = False


_ETH = NativeToken(symbol="ETH")

# Public endpoints so that a deployment works before an operator adds its own provider URLs
# (TRADEWIND_RPC_URLS replaces these per chain). Confirmation depths follow each chain's reorg record.
KNOWN_CHAINS: tuple[Chain, ...] = (
    Chain(
        key="ethereum",
        chain_id=1,
        name="Ethereum",
        rpc_urls=(HttpUrl("https://ethereum-rpc.publicnode.com"), HttpUrl("https://eth.llamarpc.com")),
        native=_ETH,
        block_time_s=12,
        confirmations=3,
    ),
    Chain(
        key="arbitrum",
        chain_id=42161,
        name="Arbitrum One",
        rpc_urls=(
            HttpUrl("https://arb1.arbitrum.io/rpc"),
            HttpUrl("https://arbitrum-one-rpc.publicnode.com"),
        ),
        native=_ETH,
        block_time_s=0.25,
        confirmations=20,
    ),
    Chain(
        key="optimism",
        chain_id=10,
        name="OP Mainnet",
        rpc_urls=(HttpUrl("https://mainnet.optimism.io"), HttpUrl("https://optimism-rpc.publicnode.com")),
        native=_ETH,
        block_time_s=2,
        confirmations=10,
    ),
    Chain(
        key="base",
        chain_id=8453,
        name="Base",
        rpc_urls=(HttpUrl("https://mainnet.base.org"), HttpUrl("https://base-rpc.publicnode.com")),
        native=_ETH,
        block_time_s=2,
        confirmations=10,
    ),
    Chain(
        key="polygon",
        chain_id=137,
        name="Polygon PoS",
        rpc_urls=(HttpUrl("https://polygon-rpc.com"), HttpUrl("https://polygon-bor-rpc.publicnode.com")),
        native=NativeToken(symbol="POL"),
        block_time_s=2,
        confirmations=64,
    ),
    Chain(
        key="local-l1",
        chain_id=31337,
        name="Local L1",
        rpc_urls=(HttpUrl("http://127.0.0.1:8545"),),
        native=_ETH,
        block_time_s=1,
        confirmations=1,
        local=True,
    ),
    Chain(
        key="local-l2",
        chain_id=31338,
        name="Local L2",
        rpc_urls=(HttpUrl("http://127.0.0.1:8546"),),
        native=_ETH,
        block_time_s=1,
        confirmations=1,
        local=True,
    ),
)


class ChainRegistry:
    """The active chains, in configuration order, with configured RPC URLs applied."""

    def __init__(self, chains: Iterable[Chain]) -> None:
        self._chains = {chain.key: chain for chain in chains}

    @classmethod
    def select(
        cls,
        active: Iterable[str],
        rpc_overrides: Mapping[str, list[str]] | None = None,
        known: Iterable[Chain] = KNOWN_CHAINS,
    ) -> ChainRegistry:
        """Pick the active chains from the known ones; an unknown key is a configuration error."""
        by_key = {chain.key: chain for chain in known}
        overrides = rpc_overrides or {}
        unknown = [key for key in [*active, *overrides] if key not in by_key]
        if unknown:
            raise InvalidInput(f"unknown chain keys in configuration: {', '.join(sorted(set(unknown)))}")
        selected = []
        for key in active:
            chain = by_key[key]
            if key in overrides:
                urls = tuple(HttpUrl(url) for url in overrides[key])
                chain = chain.model_copy(update={"rpc_urls": urls})
            selected.append(chain)
        return cls(selected)

    def __iter__(self) -> Iterator[Chain]:
        return iter(self._chains.values())

    def __len__(self) -> int:
        return len(self._chains)

    def get(self, key: str) -> Chain:
        """The active chain with this key, or NotFound."""
        try:
            return self._chains[key]
        except KeyError:
            raise NotFound(f"chain '{key}' is not active") from None

    def __contains__(self, key: object) -> bool:
        return key in self._chains
