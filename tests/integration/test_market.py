"""The local DeFi market on two anvil chains: tokens, pools, swaps, vaults, Multicall3, funding, factory."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError
from web3.types import Wei

from localcloud.chains import AnvilNode, ChainSpec, default_anvil_path
from localcloud.market import (
    MarketDeployFailed,
    artifacts,
    deploy_market,
    fund,
    load_manifest,
    manifest_path,
)
from localcloud.market.catalog import POOLS, TOKENS, VAULTS, token_spec
from localcloud.market.pricing import price_from_sqrt_x96
from localcloud.ports import pick_free
from tradewind.deployments.manifest import DeploymentManifest

pytestmark = pytest.mark.integration

HOST = "127.0.0.1"
CHAINS = (("local-l1", "Local L1", 31337), ("local-l2", "Local L2", 31338))
CHAIN_KEYS = [key for key, _, _ in CHAINS]
# Deployment runs at every local cloud start; a few seconds is the budget.
DEPLOY_BUDGET_S = 5.0
ONE_WETH = 10**18
ZERO_ADDRESS = "0x" + "0" * 40


@dataclass(frozen=True)
class Market:
    """One chain with its deployed market."""

    w3: Web3
    rpc_url: str
    manifest: DeploymentManifest
    path: Path
    deploy_s: float
    # An unlocked anvil account stands in for the service's KMS signer, so the test can send as it.
    vault_operator: str

    def contract(self, address: str, artifact: artifacts.Artifact) -> Contract:
        """The contract at ``address`` with ``artifact``'s ABI."""
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)

    def token(self, symbol: str) -> Contract:
        """An ERC-20 of the manifest (TestToken's ABI covers WETH9's ERC-20 functions)."""
        return self.contract(self.manifest.token(symbol).address, artifacts.market("TestToken"))


@pytest.fixture(scope="module")
def nodes() -> Iterator[list[AnvilNode]]:
    """Two anvil nodes on free ports, stopped at the end of the module."""
    started: list[AnvilNode] = []
    try:
        for key, name, chain_id in CHAINS:
            spec = ChainSpec(key=key, name=name, chain_id=chain_id, port=pick_free(HOST))
            node = AnvilNode(spec, HOST, default_anvil_path())
            started.append(node)
            node.start()
        yield started
    finally:
        for node in started:
            node.stop()


@pytest.fixture(scope="module")
def markets(nodes: list[AnvilNode], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Market]:
    """The market deployed on both chains, with each manifest written under one deployments dir."""
    deployments = tmp_path_factory.mktemp("deployments")
    deployed: dict[str, Market] = {}
    for node in nodes:
        chain = node.chain
        path = manifest_path(deployments, chain.key)
        w3 = Web3(HTTPProvider(chain.rpc_url))
        operator = list(w3.eth.accounts)[2]
        began = time.monotonic()
        manifest = deploy_market(
            chain.rpc_url, chain.key, path, expected_chain_id=chain.chain_id, vault_operator=operator
        )
        elapsed = time.monotonic() - began
        deployed[chain.key] = Market(w3, chain.rpc_url, manifest, path, elapsed, operator)
    return deployed


@pytest.fixture(params=CHAIN_KEYS)
def market(request: pytest.FixtureRequest, markets: dict[str, Market]) -> Market:
    """Each chain's market in turn."""
    return markets[request.param]


def test_deploys_within_budget_and_writes_loadable_manifests(markets: dict[str, Market]) -> None:
    # Given the market deployed on both chains
    for key, chain_id in ((key, chain_id) for key, _, chain_id in CHAINS):
        market = markets[key]
        print(f"market deploy on {key}: {market.deploy_s:.2f} s")
        # Then each manifest is on disk, loads back equal, and names its own chain
        assert market.path.name == f"{key}.json"
        assert load_manifest(market.path) == market.manifest
        assert (market.manifest.chain_key, market.manifest.chain_id) == (key, chain_id)
        assert market.deploy_s < DEPLOY_BUDGET_S


def test_tokens_on_chain_match_the_manifest(market: Market) -> None:
    for entry in market.manifest.tokens:
        token = market.token(entry.symbol)
        assert token.functions.symbol().call() == entry.symbol
        assert token.functions.decimals().call() == entry.decimals


def test_pools_start_at_the_catalog_prices(market: Market) -> None:
    pool_abi = artifacts.uniswap_v3_core("UniswapV3Pool")
    for spec in POOLS:
        entry = market.manifest.pool(spec.name)
        pool = market.contract(entry.address, pool_abi)
        token0, token1 = token_spec(entry.token0), token_spec(entry.token1)
        # The pool stores its tokens by address order, which the manifest must report.
        assert pool.functions.token0().call() == market.manifest.token(entry.token0).address
        assert pool.functions.fee().call() == spec.fee
        assert pool.functions.liquidity().call() > 0
        sqrt_price = pool.functions.slot0().call()[0]
        price = price_from_sqrt_x96(sqrt_price, token0.decimals, token1.decimals)
        intended = token0.usd_price / token1.usd_price
        assert abs(price / intended - 1) < Decimal("0.005"), spec.name


def test_quoted_swap_of_one_weth_pays_about_3000_usdc(market: Market) -> None:
    # Given a trader holding 1 WETH, approved to the router
    trader = list(market.w3.eth.accounts)[1]
    weth, usdc = market.token("WETH"), market.token("USDC")
    uniswap = market.manifest.uniswap_v3
    router = market.contract(uniswap.swap_router, artifacts.uniswap_v3_periphery("SwapRouter", "SwapRouter"))
    quoter = market.contract(uniswap.quoter_v2, artifacts.uniswap_v3_periphery("lens/QuoterV2", "QuoterV2"))
    weth9 = market.contract(weth.address, artifacts.weth9())
    _transact(market, weth9.functions.deposit(), trader, ONE_WETH)
    _transact(market, weth.functions.approve(router.address, ONE_WETH), trader)
    fee = market.manifest.pool("WETH/USDC").fee

    # When it quotes and then swaps 1 WETH for USDC
    quote = (weth.address, usdc.address, ONE_WETH, fee, 0)
    quoted_out: int = quoter.functions.quoteExactInputSingle(quote).call()[0]
    weth_before, usdc_before = _balances(trader, weth, usdc)
    deadline = market.w3.eth.get_block("latest")["timestamp"] + 600
    swap = (weth.address, usdc.address, fee, trader, deadline, ONE_WETH, quoted_out, 0)
    _transact(market, router.functions.exactInputSingle(swap), trader)
    weth_after, usdc_after = _balances(trader, weth, usdc)

    # Then the quote is ~3000 USDC and the balances moved by exactly the quoted amounts
    assert abs(Fraction(quoted_out, 10**6) / 3000 - 1) < Fraction(1, 100)
    assert weth_before - weth_after == ONE_WETH
    assert usdc_after - usdc_before == quoted_out


def test_vault_share_prices_reflect_their_harvests(market: Market) -> None:
    # Given the vaults as deployed: each seeded and harvested at its own rate
    prices = {spec.symbol: _share_price(market, spec.symbol) for spec in VAULTS}
    for spec in VAULTS:
        assert abs(prices[spec.symbol] - (1 + Fraction(spec.harvest / spec.seed))) < Fraction(1, 10**4)
    assert len(set(prices.values())) == len(VAULTS)

    # When the owner harvests more into the first vault
    spec = VAULTS[0]
    vault = market.contract(market.manifest.vault(spec.symbol).address, artifacts.market("YieldVault"))
    asset, owner = market.token(spec.asset), market.manifest.deployer
    amount = 1_000 * 10 ** token_spec(spec.asset).decimals
    _transact(market, asset.functions.mint(owner, amount), owner)
    _transact(market, asset.functions.approve(vault.address, amount), owner)
    _transact(market, vault.functions.harvest(amount), owner)

    # Then its share price rises
    assert _share_price(market, spec.symbol) > prices[spec.symbol]


def test_multicall3_reads_several_balances_in_one_call(market: Market) -> None:
    # Given the deployer's balance of every token, read one by one
    owner = market.manifest.deployer
    tokens = [market.token(entry.symbol) for entry in market.manifest.tokens]
    expected = [token.functions.balanceOf(owner).call() for token in tokens]
    multicall = market.contract(market.manifest.multicall3, artifacts.market("Multicall3"))

    # When the same reads go through aggregate3 in one eth_call
    calls = [(token.address, False, token.encode_abi("balanceOf", args=[owner])) for token in tokens]
    results = multicall.functions.aggregate3(calls).call()

    # Then every call succeeded with the same balance
    assert [success for success, _ in results] == [True] * len(tokens)
    assert [market.w3.codec.decode(["uint256"], data)[0] for _, data in results] == expected


def test_vault_factory_is_deployed_for_the_given_operator(market: Market) -> None:
    factory = market.contract(market.manifest.trading_vault_factory, artifacts.market("TradingVaultFactory"))
    assert market.w3.eth.get_code(factory.address) != b""
    assert factory.functions.operator().call() == market.vault_operator


def test_deploy_refuses_a_zero_vault_operator_before_sending_anything() -> None:
    # The address check runs first, so no node is needed behind the URL.
    with pytest.raises(MarketDeployFailed, match="vault operator"):
        deploy_market("http://127.0.0.1:9", "local-l1", vault_operator=ZERO_ADDRESS)


def test_fund_sends_exact_amounts_worth_at_least_the_usd_asked(market: Market) -> None:
    # Given an address that holds nothing yet
    recipient = Web3.to_checksum_address("0x" + "f1" * 20)
    usd = Decimal(1_000)
    symbols = [spec.symbol for spec in TOKENS]

    # When it is funded with 1,000 USD of every market token
    sent = fund(market.rpc_url, market.manifest, recipient, usd, symbols)

    # Then it holds exactly what fund reports, worth at least 1,000 USD and less than one base unit more
    assert list(sent) == symbols
    for symbol in symbols:
        spec = token_spec(symbol)
        assert market.token(symbol).functions.balanceOf(recipient).call() == sent[symbol]
        worth = Fraction(sent[symbol], 10**spec.decimals) * Fraction(spec.usd_price)
        assert Fraction(usd) <= worth < Fraction(usd) + Fraction(spec.usd_price) / 10**spec.decimals


def test_operator_creates_a_configured_vault_through_the_factory(market: Market) -> None:
    # Given the local vault configuration and a user who owns no vault yet
    manifest = market.manifest
    factory = market.contract(manifest.trading_vault_factory, artifacts.market("TradingVaultFactory"))
    accounts = list(market.w3.eth.accounts)
    owner, guardian = accounts[3], accounts[4]
    assert manifest.vault_defaults is not None
    config = manifest.vault_defaults.initial_config()
    salt = b"\x01" * 32
    args = (owner, guardian, 100, config, salt)
    assert factory.functions.vaultOf(owner, salt).call() == ZERO_ADDRESS

    # When anyone but the operator tries, it reverts; when the operator creates it, it lands
    with pytest.raises(ContractCustomError):
        factory.functions.createVault(*args).call({"from": owner})
    predicted = factory.functions.predictVaultAddress(*args).call()
    _transact(market, factory.functions.createVault(*args), market.vault_operator)

    # Then vaultOf finds it where predicted, with the roles and rules of the configuration
    address = factory.functions.vaultOf(owner, salt).call()
    assert address == predicted
    assert factory.functions.isVault(address).call()
    vault = market.contract(address, artifacts.market("TradingVault"))
    assert vault.functions.owner().call() == owner
    assert vault.functions.operator().call() == market.vault_operator
    assert vault.functions.isRouter(manifest.uniswap_v3.swap_router).call()
    routers, tokens, token_configs, yield_vaults = config
    assert routers == [manifest.uniswap_v3.swap_router]
    assert yield_vaults == [entry.address for entry in manifest.vaults]
    assert len(tokens) == len(manifest.tokens) + len(manifest.vaults)
    for entry in manifest.vaults:
        assert vault.functions.isYieldVault(entry.address).call()
        assert vault.functions.tokenConfig(entry.address).call()[0]
    usdc = Web3.to_checksum_address(manifest.token("USDC").address)
    usdc_config = tuple(vault.functions.tokenConfig(usdc).call())
    assert usdc_config == token_configs[tokens.index(usdc)]
    # USDC is 1 USD with 6 decimals, so the default USD caps read directly in micro-dollars.
    assert usdc_config == (True, 50_000 * 10**6, 200_000 * 10**6, 25_000 * 10**6)


def _transact(market: Market, call: ContractFunction, sender: str, value: int = 0) -> None:
    """Send ``call`` from an unlocked anvil account and require success."""
    tx_hash = call.transact({"from": Web3.to_checksum_address(sender), "value": Wei(value)})
    assert market.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10)["status"] == 1


def _balances(owner: str, *tokens: Contract) -> tuple[int, ...]:
    return tuple(token.functions.balanceOf(owner).call() for token in tokens)


def _share_price(market: Market, symbol: str) -> Fraction:
    """Assets per whole share of the vault ``symbol``, in whole asset tokens."""
    entry = market.manifest.vault(symbol)
    vault = market.contract(entry.address, artifacts.market("YieldVault"))
    decimals = token_spec(entry.asset).decimals
    assets: int = vault.functions.convertToAssets(10 ** vault.functions.decimals().call()).call()
    return Fraction(assets, 10**decimals)
