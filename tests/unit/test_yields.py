"""VaultYieldReader over in-memory nodes: annualisation, the reasons an APY is missing, two round trips."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from eth_abi.abi import decode, encode
from pydantic import ValidationError

from tests.unit.manifests import placeholder, sample_manifest
from tests.unit.memory import InMemoryManifests
from tradewind.chains.batch import EXECUTION_REVERTED, RpcRequest
from tradewind.chains.registry import Chain, ChainRegistry, NativeToken
from tradewind.deployments.manifest import DeploymentManifest, TokenEntry, VaultEntry
from tradewind.errors import DependencyUnavailable
from tradewind.holdings.multicall import selector
from tradewind.wallets.addresses import to_checksum_address
from tradewind.yields import VaultYield, YieldSettings
from tradewind.yields.reader import SECONDS_PER_YEAR, VaultYieldReader, annualised_growth

L1_URL = "http://127.0.0.1:8545/"
L2_URL = "http://127.0.0.1:8546/"
BACKUP_URL = "http://127.0.0.1:9545/"
USDC_VAULT = placeholder("a")
DAI_VAULT = placeholder("b")
TOKENS = (
    TokenEntry(symbol="USDC", name="USD Coin", decimals=6, address=placeholder("c")),
    TokenEntry(symbol="DAI", name="Dai", decimals=18, address=placeholder("d")),
)
VAULTS = (
    VaultEntry(symbol="twyUSDC", name="Yield USDC", asset="USDC", address=USDC_VAULT),
    VaultEntry(symbol="twyDAI", name="Yield DAI", asset="DAI", address=DAI_VAULT),
)
GWEI = 10**9
LOOKBACK = 50
HEAD = 100
T0 = 1_700_000_000
HALF_YEAR = SECONDS_PER_YEAR // 2
CONVERT = selector("convertToAssets(uint256)")


@dataclass
class ScriptedVault:
    """A vault's answers from ``deployed_at`` on. ``converted`` is what one whole share (``decimals``)
    converts to, by block, in asset base units; ``convertToAssets`` scales it to the shares asked."""

    converted: dict[int, int]
    total_assets: int
    decimals: int
    deployed_at: int = 0
    reverts_at: frozenset[int] = frozenset()

    def answer(self, data: bytes, block: int) -> dict[str, Any]:
        if block < self.deployed_at:
            return {"result": "0x"}  # what a node answers for a call to an address without code
        if block in self.reverts_at:
            return {"error": {"code": EXECUTION_REVERTED, "message": "execution reverted"}}
        if data[:4] == CONVERT:
            (shares,) = decode(["uint256"], data[4:])
            assets = shares * self.converted[block] // 10**self.decimals
            return {"result": "0x" + encode(["uint256"], [assets]).hex()}
        if data[:4] == selector("totalAssets()"):
            return {"result": "0x" + encode(["uint256"], [self.total_assets]).hex()}
        assert data[:4] == selector("decimals()")
        return {"result": "0x" + encode(["uint8"], [self.decimals]).hex()}


@dataclass
class ScriptedNode:
    """One chain's node: its head, block timestamps, gas price and vaults by lower-case address."""

    head: int
    timestamps: dict[int, int]
    vaults: dict[str, ScriptedVault]
    gas_price: int = 2 * GWEI

    def answer(self, method: str, params: list[Any]) -> dict[str, Any]:
        if method == "eth_blockNumber":
            return {"result": hex(self.head)}
        if method == "eth_gasPrice":
            return {"result": hex(self.gas_price)}
        if method == "eth_getBlockByNumber":
            number = int(params[0], 16)
            return {"result": {"number": params[0], "timestamp": hex(self.timestamps[number])}}
        assert method == "eth_call"
        call, block = params
        data = bytes.fromhex(call["data"].removeprefix("0x"))
        vault = self.vaults.get(call["to"].lower())
        return vault.answer(data, int(block, 16)) if vault else {"result": "0x"}


@dataclass
class InMemoryNodes:
    """RpcTransport over scripted nodes by URL, keeping every batch posted; URLs in ``down`` refuse."""

    nodes: dict[str, ScriptedNode]
    down: set[str] = field(default_factory=set)
    posts: list[tuple[str, list[RpcRequest]]] = field(default_factory=list)

    def post(self, url: str, batch: list[RpcRequest]) -> list[dict[str, Any]]:
        self.posts.append((url, batch))
        if url in self.down:
            raise DependencyUnavailable(f"{url}: connection refused", dependency="chain")
        node = self.nodes[url]
        return [{"jsonrpc": "2.0", "id": r["id"], **node.answer(r["method"], r["params"])} for r in batch]

    def round_trips(self, url: str) -> int:
        return sum(posted == url for posted, _ in self.posts)


def _manifest(chain_key: str = "local-l1", vaults: tuple[VaultEntry, ...] = VAULTS) -> DeploymentManifest:
    return sample_manifest(TOKENS, None).model_copy(update={"chain_key": chain_key, "vaults": vaults})


def _chain(key: str = "local-l1", urls: list[str] | None = None) -> Chain:
    return ChainRegistry.select([key], {key: urls} if urls else None).get(key)


def _node(
    usdc: tuple[int, int] = (1_000_000, 1_020_000),
    dai: tuple[int, int] = (10**18, 10**18),
    window_s: int = HALF_YEAR,
    **usdc_vault: Any,
) -> ScriptedNode:
    """A node at block ``HEAD`` whose vaults convert one share to ``(then, now)`` assets ``LOOKBACK`` ago."""
    then = HEAD - LOOKBACK
    return ScriptedNode(
        head=HEAD,
        timestamps={then: T0, HEAD: T0 + window_s},
        vaults={
            USDC_VAULT: ScriptedVault(
                {then: usdc[0], HEAD: usdc[1]}, total_assets=105_000_000_000, decimals=6, **usdc_vault
            ),
            DAI_VAULT: ScriptedVault(
                {then: dai[0], HEAD: dai[1]}, total_assets=102_000 * 10**18, decimals=18
            ),
        },
    )


def _reader(nodes: InMemoryNodes, manifests: dict[str, DeploymentManifest] | None = None) -> VaultYieldReader:
    return VaultYieldReader(
        InMemoryManifests(manifests or {"local-l1": _manifest()}),
        nodes,
        lookback_blocks=LOOKBACK,
        deposit_gas=120_000,
    )


def _by_vault(yields: list[VaultYield]) -> dict[str, VaultYield]:
    return {vault_yield.vault: vault_yield for vault_yield in yields}


def test_the_apy_compounds_the_share_price_growth_over_the_window_to_a_year() -> None:
    # Given a USDC vault whose share grew 2 % in half a year and a DAI vault that did not grow
    nodes = InMemoryNodes({L1_URL: _node()})

    # When the yields of local-l1 are read
    usdc, dai = _reader(nodes).yields([_chain()])

    # Then 2 % per half year compounds to 4.04 % a year, and no growth is 0
    assert usdc == VaultYield(
        chain="local-l1",
        vault="twyUSDC",
        vault_address=to_checksum_address(USDC_VAULT),
        asset="USDC",
        block_now=HEAD,
        block_then=HEAD - LOOKBACK,
        share_price_now=Decimal("1.02"),
        share_price_then=Decimal(1),
        window_s=HALF_YEAR,
        apy=Decimal("0.040400"),
        tvl_assets=Decimal(105_000),
        native=NativeToken(symbol="ETH"),
        gas_price_wei=2 * GWEI,
        deposit_gas=120_000,
    )
    assert (dai.vault, dai.apy, dai.share_price_now, dai.tvl_assets) == (
        "twyDAI",
        Decimal(0),
        Decimal(1),
        Decimal(102_000),
    )
    # And the gas of a deposit is in ETH: 2 gwei x 120,000
    assert usdc.gas_cost_native() == Decimal("0.00024")


def test_each_chain_costs_two_round_trips_whatever_its_vaults() -> None:
    # Given two chains with two vaults each
    nodes = InMemoryNodes({L1_URL: _node(), L2_URL: _node()})
    manifests = {"local-l1": _manifest(), "local-l2": _manifest("local-l2")}
    chains = [_chain("local-l1"), _chain("local-l2")]

    # When the yields of both are read
    yields = _reader(nodes, manifests).yields(chains)

    # Then each chain was asked twice: head and gas price, then everything else at the two blocks
    assert [(y.chain, y.vault) for y in yields] == [
        ("local-l1", "twyUSDC"),
        ("local-l1", "twyDAI"),
        ("local-l2", "twyUSDC"),
        ("local-l2", "twyDAI"),
    ]
    assert (nodes.round_trips(L1_URL), nodes.round_trips(L2_URL), len(nodes.posts)) == (2, 2, 4)
    head, rest = (batch for url, batch in nodes.posts if url == L1_URL)
    assert [r["method"] for r in head] == ["eth_blockNumber", "eth_gasPrice"]
    assert [(r["method"], r["params"][0]) for r in rest[:2]] == [
        ("eth_getBlockByNumber", hex(HEAD)),
        ("eth_getBlockByNumber", hex(HEAD - LOOKBACK)),
    ]
    calls = [(r["params"][0]["to"], r["params"][0]["data"], r["params"][1]) for r in rest[2:]]
    assert len(calls) == 8
    # And 10 ** 18 whole shares are asked, now and a lookback ago, so short windows keep their digits
    (usdc_shares,) = decode(["uint256"], bytes.fromhex(calls[0][1][10:]))
    assert usdc_shares == 10 ** (6 + 18)
    assert [call[2] for call in calls[:4]] == [hex(HEAD), hex(HEAD - LOOKBACK), hex(HEAD), hex(HEAD)]


def test_the_lookback_stops_at_genesis() -> None:
    # Given a chain only 10 blocks long, a vault there from the start and one deployed at block 5
    node = ScriptedNode(
        head=10,
        timestamps={0: T0, 10: T0 + 3600},
        vaults={
            USDC_VAULT: ScriptedVault({0: 10**6, 10: 10**6}, total_assets=1, decimals=6),
            DAI_VAULT: ScriptedVault({10: 10**18}, total_assets=1, decimals=18, deployed_at=5),
        },
    )

    # When the yields are read with a lookback of 50 blocks
    usdc, dai = _reader(InMemoryNodes({L1_URL: node})).yields([_chain()])

    # Then the earlier block is genesis, and the vault deployed since is younger than the lookback
    assert (usdc.block_then, usdc.window_s, usdc.apy) == (0, 3600, Decimal(0))
    assert (dai.block_then, dai.share_price_then, dai.window_s, dai.apy) == (0, None, None, None)
    assert dai.apy_unavailable is not None
    assert "younger than the lookback of 50 blocks" in dai.apy_unavailable


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        (_node(deployed_at=HEAD - 1), "has no code or reverts at block 50: it is younger than the lookback"),
        (_node(reverts_at=frozenset({HEAD - LOOKBACK})), "has no code or reverts at block 50"),
        (_node(window_s=0), "blocks 50 and 100 have the same timestamp"),
        (_node(usdc=(0, 1_000_000)), "the share price at block 50 was zero"),
        (_node(usdc=(1, 10**6), window_s=60), "grew too fast over 60 s to annualise"),
    ],
    ids=["no-code-then", "reverts-then", "no-time", "zero-price-then", "too-fast"],
)
def test_a_vault_without_a_measurable_apy_is_listed_with_the_reason(node: ScriptedNode, reason: str) -> None:
    # Given a USDC vault whose growth cannot be annualised
    nodes = InMemoryNodes({L1_URL: node})

    # When the yields are read
    usdc = _by_vault(_reader(nodes).yields([_chain()]))["twyUSDC"]

    # Then it is there with its price now and TVL, no APY and the reason
    assert usdc.apy is None
    assert usdc.apy_unavailable is not None
    assert reason in usdc.apy_unavailable
    assert usdc.tvl_assets == 105_000
    assert usdc.share_price_now > 0


def test_a_vault_failing_at_the_latest_block_is_left_out() -> None:
    # Given a USDC vault reverting at the head and a manifest vault with no code at all
    missing = VaultEntry(symbol="twyGONE", name="Gone", asset="DAI", address=placeholder("e"))
    manifest = _manifest(vaults=(*VAULTS, missing))
    nodes = InMemoryNodes({L1_URL: _node(reverts_at=frozenset({HEAD}))})

    # When the yields are read
    yields = _reader(nodes, {"local-l1": manifest}).yields([_chain()])

    # Then only the DAI vault is listed
    assert [vault_yield.vault for vault_yield in yields] == ["twyDAI"]


def test_share_decimals_beyond_the_assets_are_priced_from_decimals() -> None:
    # Given a USDC vault with a decimals offset of 3 (9-decimal shares), a share worth 1 then 1.05 USDC
    node = _node(usdc=(1_000_000, 1_050_000))
    node.vaults[USDC_VAULT].decimals = 9

    # When the yields are read
    usdc = _by_vault(_reader(InMemoryNodes({L1_URL: node})).yields([_chain()]))["twyUSDC"]

    # Then the price is per whole share
    assert (usdc.share_price_then, usdc.share_price_now) == (Decimal(1), Decimal("1.05"))


def test_a_chain_none_of_whose_urls_answer_is_unavailable_and_a_backup_url_is_used() -> None:
    # Given local-l1 on two URLs, the first one down
    chain = _chain(urls=[L1_URL, BACKUP_URL])
    nodes = InMemoryNodes({BACKUP_URL: _node()}, down={L1_URL})

    # When the yields are read, they come from the backup
    assert len(_reader(nodes).yields([chain])) == 2
    assert nodes.round_trips(BACKUP_URL) == 2

    # And when the backup is down too, the chain is unavailable
    nodes.down.add(BACKUP_URL)
    with pytest.raises(DependencyUnavailable) as raised:
        _reader(nodes).yields([chain])
    assert raised.value.dependency == "chain:local-l1"


@pytest.mark.parametrize(
    ("now", "then", "window_s", "apy"),
    [
        (105, 100, SECONDS_PER_YEAR, Decimal("0.05")),
        (90, 100, SECONDS_PER_YEAR, Decimal("-0.1")),
        (101, 100, SECONDS_PER_YEAR // 12, Decimal("0.126825")),  # 1.01 ** 12 - 1 = 0.12682503...
        (100, 100, 1, Decimal(0)),
    ],
)
def test_annualised_growth_compounds_to_365_days(now: int, then: int, window_s: int, apy: Decimal) -> None:
    assert annualised_growth(now, then, window_s) == apy


def test_a_yield_has_either_an_apy_or_the_reason_there_is_none() -> None:
    usdc = _reader(InMemoryNodes({L1_URL: _node()})).yields([_chain()])[0]
    with pytest.raises(ValidationError, match="exactly one of apy and apy_unavailable"):
        VaultYield.model_validate({**usdc.model_dump(), "apy_unavailable": "both"})
    with pytest.raises(ValidationError, match="exactly one of apy and apy_unavailable"):
        VaultYield.model_validate({**usdc.model_dump(), "apy": None})


def test_the_reader_rejects_a_lookback_of_no_blocks() -> None:
    with pytest.raises(ValueError, match="lookback_blocks"):
        VaultYieldReader(InMemoryManifests({}), InMemoryNodes({}), lookback_blocks=0, deposit_gas=1)


def test_settings_default_to_seven_days_of_12_s_blocks_and_read_the_environment() -> None:
    assert YieldSettings().yield_lookback_blocks == 7 * 24 * 3600 // 12
    environ = {"TRADEWIND_YIELD_LOOKBACK_BLOCKS": "300", "TRADEWIND_YIELD_DEPOSIT_GAS": "250000"}
    settings = YieldSettings.from_environment(environ)
    assert (settings.yield_lookback_blocks, settings.yield_deposit_gas) == (300, 250_000)
