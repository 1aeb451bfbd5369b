"""The whole portfolio on both local chains: a wallet and a vault each holding every one of the 25
tokens, vault shares and a Uniswap V3 position, checked against what the chain says.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3
from web3.contract import Contract

from localcloud import LocalCloud
from localcloud.market import artifacts, fund, mint_position
from tests.support.chain_contracts import transact
from tests.support.rpc import CloudManifests, RecordingTransport
from tests.support.sessions import bearer, register_and_login
from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import ChainRegistry
from tradewind.holdings import InMemorySnapshotSource
from tradewind.holdings.reader import HoldingsReader
from tradewind.holdings.settings import HoldingsSettings

pytestmark = pytest.mark.integration

WALLET = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"  # anvil test account 5
CHAINS = ("local-l1", "local-l2")
USD_EACH = Decimal(100)
SHARES_DEPOSIT_USDC = 40 * 10**6  # of the 100 USDC funded
CENT = Decimal("0.01")
MANAGER = "NonfungiblePositionManager"


def _w3(cloud: LocalCloud, chain_key: str) -> Web3:
    return Web3(HTTPProvider(next(c.rpc_url for c in cloud.chains if c.key == chain_key)))


def _erc20(w3: Web3, address: str) -> Contract:
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifacts.market("TestToken").abi)


@pytest.fixture(scope="module")
def everything(client: TestClient, local_cloud: LocalCloud) -> dict[str, Any]:
    """On each chain: WALLET watched and a vault opened for it; both funded with all 25 tokens;
    twyUSDC shares in both; a WETH/USDC position minted by the wallet (and moved to the vault on L2)."""
    session = bearer(register_and_login(client, "everything@example.com"))
    vaults: dict[str, str] = {}
    for chain in CHAINS:
        watched = client.post(
            "/v1/wallets", json={"chain": chain, "address": WALLET, "label": chain}, headers=session
        )
        assert watched.status_code == 201, watched.text
        opened = client.post("/v1/vaults", json={"chain": chain, "owner": WALLET}, headers=session).json()
        assert opened["status"] == "active", opened
        vaults[chain] = opened["address"]
        manifest = local_cloud.manifest(chain)
        url = next(c.rpc_url for c in local_cloud.chains if c.key == chain)
        symbols = [token.symbol for token in manifest.tokens]
        assert len(symbols) >= 20
        for holder in (WALLET, vaults[chain]):
            fund(url, manifest, holder, USD_EACH, symbols)
        w3 = _w3(local_cloud, chain)
        shares = w3.eth.contract(
            address=Web3.to_checksum_address(manifest.vault("twyUSDC").address),
            abi=artifacts.market("YieldVault").abi,
        )
        transact(
            w3, _erc20(w3, manifest.token("USDC").address).functions.approve(shares.address, 2**255), WALLET
        )
        transact(w3, shares.functions.deposit(SHARES_DEPOSIT_USDC, WALLET), WALLET)
        held = shares.functions.balanceOf(WALLET).call()
        transact(w3, shares.functions.transfer(Web3.to_checksum_address(vaults[chain]), held // 3), WALLET)
        weth, usdc = manifest.token("WETH"), manifest.token("USDC")
        position = mint_position(
            url,
            manifest,
            WALLET,
            "WETH/USDC",
            desired={weth.symbol: 10**16, usdc.symbol: 30 * 10**6},
            spacings=(-100, 100),
        )
        if chain == "local-l2":
            manager = w3.eth.contract(
                address=Web3.to_checksum_address(manifest.uniswap_v3.position_manager),
                abi=artifacts.uniswap_v3_periphery(
                    "NonfungiblePositionManager", "NonfungiblePositionManager"
                ).abi,
            )
            move = manager.functions.transferFrom(
                WALLET, Web3.to_checksum_address(vaults[chain]), position.token_id
            )
            transact(w3, move, WALLET)
    return {"session": session, "vaults": vaults}


@pytest.fixture
def transport() -> Iterator[RecordingTransport]:
    inner = HttpxTransport(timeout_s=5.0)
    yield RecordingTransport(inner)
    inner.close()


def test_every_balance_and_value_is_what_the_chain_says(
    client: TestClient, everything: dict[str, Any], local_cloud: LocalCloud
) -> None:
    # When the user refreshes the portfolio (every chain read now)
    response = client.post("/v1/portfolio/refresh", headers=everything["session"])
    assert response.status_code == 200, response.text
    body = response.json()
    prices = {symbol: Decimal(t["price_usd"]) for symbol, t in body["by_token"].items() if t["price_usd"]}
    for chain in CHAINS:
        manifest = local_cloud.manifest(chain)
        w3 = _w3(local_cloud, chain)
        for holder in (WALLET, everything["vaults"][chain]):
            mine = [p for p in body["positions"] if p["chain"] == chain and p["holder"] == holder]
            tokens = {p["symbol"]: Decimal(p["amount"]) for p in mine if p["kind"] == "token"}
            # Then each of the 25 tokens is there with exactly its on-chain balance
            assert set(tokens) == {token.symbol for token in manifest.tokens}
            for token in manifest.tokens:
                raw = _erc20(w3, token.address).functions.balanceOf(Web3.to_checksum_address(holder)).call()
                assert tokens[token.symbol] == Decimal(raw).scaleb(-token.decimals), (
                    chain,
                    holder,
                    token.symbol,
                )
            # And its twyUSDC shares, valued as the USDC they can be withdrawn for now
            shares = w3.eth.contract(
                address=Web3.to_checksum_address(manifest.vault("twyUSDC").address),
                abi=artifacts.market("YieldVault").abi,
            )
            [vault_position] = [p for p in mine if p["kind"] == "yield_vault" and p["symbol"] == "twyUSDC"]
            held = shares.functions.balanceOf(Web3.to_checksum_address(holder)).call()
            assert Decimal(vault_position["amount"]) == Decimal(held).scaleb(
                -shares.functions.decimals().call()
            )
            assets = shares.functions.convertToAssets(held).call()
            assert Decimal(vault_position["value_amount"]) == Decimal(assets).scaleb(-6)
        # And the L1 wallet and the L2 vault each hold the WETH/USDC position, both sides valued
        lp_holder = WALLET if chain == "local-l1" else everything["vaults"][chain]
        sides = [p for p in body["positions"] if p["chain"] == chain and p["kind"] == "liquidity"]
        assert {(p["holder"], p["valued_as"]) for p in sides} == {(lp_holder, "WETH"), (lp_holder, "USDC")}
    # And every priced position is its amount at its token's price, to the cent
    for position in body["positions"]:
        if position["usd"] is not None:
            expected = (Decimal(position["value_amount"]) * prices[position["valued_as"]]).quantize(
                CENT, rounding=ROUND_HALF_EVEN
            )
            assert Decimal(position["usd"]) == expected, position
    # And the totals agree by chain, by kind and overall, with an allocation of 100 %
    total = Decimal(body["total_usd"])
    assert total == sum(Decimal(p["usd"]) for p in body["positions"] if p["usd"] is not None)
    assert total == sum(Decimal(c["usd"]) for c in body["by_chain"].values())
    assert total == sum(Decimal(v) for v in body["by_kind"].values())
    assert sum(Decimal(v) for v in body["allocation"].values()) == 100
    assert body["unpriced"] == []


def test_a_refresh_of_both_chains_is_one_round_trip_per_chain_plus_three_for_positions(
    everything: dict[str, Any], local_cloud: LocalCloud, transport: RecordingTransport
) -> None:
    # Given the reader the API uses, over the same owners on both chains
    urls = {chain: next(c.rpc_url for c in local_cloud.chains if c.key == chain) for chain in CHAINS}
    reader = HoldingsReader(
        ChainRegistry.select(list(CHAINS), {key: [url] for key, url in urls.items()}),
        CloudManifests(local_cloud),
        InMemorySnapshotSource(),
        settings=HoldingsSettings(),
        transport=transport,
    )
    # When both chains are read
    chains = reader.read({chain: [WALLET, everything["vaults"][chain]] for chain in CHAINS})
    # Then each chain took one Multicall3 round for every balance of both owners (25 tokens,
    # native, shares), and three more because an owner there holds a position
    assert [c.status for c in chains] == ["fresh", "fresh"]
    assert transport.posts == {url: 4 for url in urls.values()}
    # And the first round is a single eth_call per chain, whatever the number of tokens
    for url in urls.values():
        first = next(batch for posted_to, batch in transport.batches if posted_to == url)
        assert [request["method"] for request in first] == ["eth_call"]
