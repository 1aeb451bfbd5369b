"""Vault yields measured on local-l1's YieldVaults, checked against convertToAssets read with web3.

Every test changes the chain inside an anvil snapshot that is reverted afterwards: harvests, a new
vault, a deposit and the simulator's ticks leave nothing behind for the next test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pytest
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.types import RPCEndpoint

from localcloud import LocalCloud
from localcloud.market import artifacts, fund
from localcloud.market.catalog import VAULTS
from localcloud.market.simulator import MarketSimulator
from tests.support.rpc import RecordingTransport
from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.deployments.manifest import DeploymentManifest, VaultEntry
from tradewind.yields import VaultYield, YieldSettings
from tradewind.yields.reader import SECONDS_PER_YEAR, VaultYieldReader, measured_shares

pytestmark = pytest.mark.integration

CHAIN_KEY = "local-l1"
THIRTY_DAYS_S = 30 * 24 * 3600
HARVEST_USDC = 500 * 10**6  # 500 USDC of yield into twyUSDC's ~105,000
YOUNG_DEPOSIT_USDC = 1_000 * 10**6
# Anvil account 7: unused by the other suites' fixtures, so a first deposit of a fresh account.
DEPOSITOR_INDEX = 7
DEPOSIT_GAS = YieldSettings().yield_deposit_gas


@dataclass(frozen=True)
class Local:
    """local-l1 as these tests use it: its node, URL, manifest and deployer (the vaults' owner)."""

    w3: Web3
    url: str
    manifest: DeploymentManifest
    deployer: str

    def token(self, symbol: str) -> Contract:
        address = Web3.to_checksum_address(self.manifest.token(symbol).address)
        return self.w3.eth.contract(address=address, abi=artifacts.market("TestToken").abi)

    def vault(self, address: str) -> Contract:
        checksummed = Web3.to_checksum_address(address)
        return self.w3.eth.contract(address=checksummed, abi=artifacts.market("YieldVault").abi)

    def rpc(self, method: str, *params: Any) -> Any:
        answer = self.w3.provider.make_request(RPCEndpoint(method), list(params))
        assert "error" not in answer, answer
        return answer["result"]


class FixedManifests:
    """ManifestSource answering one manifest (the cloud's, or one with a vault added)."""

    def __init__(self, manifest: DeploymentManifest) -> None:
        self._manifest = manifest

    def manifest(self, chain_key: str) -> DeploymentManifest:
        assert chain_key == self._manifest.chain_key
        return self._manifest


@pytest.fixture(scope="module")
def local(local_cloud: LocalCloud) -> Local:
    url = next(chain.rpc_url for chain in local_cloud.chains if chain.key == CHAIN_KEY)
    manifest = local_cloud.manifest(CHAIN_KEY)
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 10}))
    return Local(w3=w3, url=url, manifest=manifest, deployer=Web3.to_checksum_address(manifest.deployer))


@pytest.fixture
def transport() -> Iterator[RecordingTransport]:
    inner = HttpxTransport(timeout_s=5.0)
    yield RecordingTransport(inner)
    inner.close()


@pytest.fixture
def chain(local: Local) -> Chain:
    return ChainRegistry.select([CHAIN_KEY], {CHAIN_KEY: [local.url]}).get(CHAIN_KEY)


@contextmanager
def _undone(local: Local) -> Iterator[None]:
    """Whatever is sent inside is undone afterwards (anvil's snapshot and revert)."""
    snapshot = local.rpc("evm_snapshot")
    try:
        yield
    finally:
        assert local.rpc("evm_revert", snapshot) is True


def _send(local: Local, function: Any, sender: str) -> None:
    receipt = local.w3.eth.wait_for_transaction_receipt(function.transact({"from": sender}))
    assert receipt["status"] == 1


def _pass_time(local: Local, seconds: int) -> None:
    """Move the clock and mine a block at the new time, so deadlines computed from it hold."""
    local.rpc("evm_increaseTime", seconds)
    local.rpc("evm_mine")


def _yields(
    local: Local, transport: RecordingTransport, chain: Chain, since: int, **manifest: Any
) -> dict[str, VaultYield]:
    """The yields read with the lookback reaching back to block ``since``, by vault symbol."""
    lookback = local.w3.eth.block_number - since
    source = FixedManifests(local.manifest.model_copy(update=manifest))
    reader = VaultYieldReader(source, transport, lookback_blocks=lookback, deposit_gas=DEPOSIT_GAS)
    return {vault_yield.vault: vault_yield for vault_yield in reader.yields([chain])}


def _expected_apy(local: Local, vault: Contract, then: int, now: int) -> Decimal:
    """The APY from convertToAssets of one share at both blocks and their timestamps, read with web3."""
    shares = measured_shares(vault.functions.decimals().call())
    assets_then = vault.functions.convertToAssets(shares).call(block_identifier=then)
    assets_now = vault.functions.convertToAssets(shares).call(block_identifier=now)
    window = local.w3.eth.get_block(now)["timestamp"] - local.w3.eth.get_block(then)["timestamp"]
    with localcontext() as context:
        context.prec = 60
        growth = Decimal(assets_now) / Decimal(assets_then)
        return (growth ** (Decimal(SECONDS_PER_YEAR) / window) - 1).quantize(Decimal("0.000001"))


def test_a_harvest_measures_as_the_share_price_growth_compounded_to_a_year(
    local: Local, transport: RecordingTransport, chain: Chain
) -> None:
    usdc_vault = local.vault(local.manifest.vault("twyUSDC").address)
    dai_vault = local.vault(local.manifest.vault("twyDAI").address)
    with _undone(local):
        # Given 500 USDC harvested into twyUSDC thirty days after block `then`, and twyDAI left alone
        then = local.w3.eth.block_number
        total_then = usdc_vault.functions.totalAssets().call()
        _pass_time(local, THIRTY_DAYS_S)
        _send(local, local.token("USDC").functions.mint(local.deployer, HARVEST_USDC), local.deployer)
        _send(local, usdc_vault.functions.harvest(HARVEST_USDC), local.deployer)
        now = local.w3.eth.block_number

        # When the yields are read with the lookback reaching back to `then`
        yields = _yields(local, transport, chain, since=then)

        # Then twyUSDC's APY is exactly the growth of convertToAssets compounded to a year
        usdc, dai = yields["twyUSDC"], yields["twyDAI"]
        assert (usdc.block_then, usdc.block_now) == (then, now)
        assert usdc.apy == _expected_apy(local, usdc_vault, then, now)
        # And that is what the harvest makes of it: 500 on ~105,000 in thirty days, within one base unit
        # of the share price (1e-6) compounded twelve times
        assert usdc.window_s is not None
        growth = Decimal(total_then + HARVEST_USDC) / Decimal(total_then)
        designed = growth ** (Decimal(SECONDS_PER_YEAR) / usdc.window_s) - 1
        assert usdc.apy is not None
        assert abs(usdc.apy - designed) < Decimal("0.00002"), (usdc.apy, designed)
        # And twyDAI did not grow
        assert dai.apy == _expected_apy(local, dai_vault, then, now) == 0
        # And the TVL and gas price are the chain's at the latest block
        assert usdc.tvl_assets == Decimal(usdc_vault.functions.totalAssets().call()).scaleb(-6)
        assert usdc.tvl_assets == Decimal(total_then + HARVEST_USDC).scaleb(-6)
        assert usdc.gas_price_wei == local.w3.eth.gas_price
        # And it took two round trips
        assert transport.posts == {local.url: 2}


def test_a_vault_younger_than_the_lookback_has_no_apy_and_says_why(
    local: Local, transport: RecordingTransport, chain: Chain
) -> None:
    with _undone(local):
        # Given a YieldVault deployed an hour after block `then`, with 1,000 USDC deposited
        then = local.w3.eth.block_number
        _pass_time(local, 3600)
        usdc = local.token("USDC")
        artifact = artifacts.market("YieldVault")
        factory = local.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        deployed = factory.constructor(usdc.address, "Young USDC", "twyYOUNG").transact(
            {"from": local.deployer}
        )
        address = local.w3.eth.wait_for_transaction_receipt(deployed)["contractAddress"]
        assert address is not None
        young = local.vault(address)
        _send(local, usdc.functions.mint(local.deployer, YOUNG_DEPOSIT_USDC), local.deployer)
        _send(local, usdc.functions.approve(young.address, YOUNG_DEPOSIT_USDC), local.deployer)
        _send(local, young.functions.deposit(YOUNG_DEPOSIT_USDC, local.deployer), local.deployer)
        entry = VaultEntry(symbol="twyYOUNG", name="Young USDC", asset="USDC", address=young.address)

        # When the yields are read with the lookback reaching back to `then`
        yields = _yields(local, transport, chain, since=then, vaults=(*local.manifest.vaults, entry))

        # Then the young vault is there with its price and TVL, no APY and the reason
        measured = yields["twyYOUNG"]
        assert (measured.share_price_now, measured.tvl_assets) == (Decimal(1), Decimal(1_000))
        assert (measured.share_price_then, measured.window_s, measured.apy) == (None, None, None)
        assert measured.apy_unavailable is not None
        assert "younger than the lookback" in measured.apy_unavailable
        # And the older vaults were measured over the same window, still in two round trips
        assert yields["twyUSDC"].apy == 0
        assert transport.posts == {local.url: 2}


def test_the_simulators_harvests_measure_near_the_catalog_apy(
    local: Local, transport: RecordingTransport, chain: Chain
) -> None:
    with _undone(local):
        # Given the market simulator ticking once, thirty days passing and it ticking again
        simulator = MarketSimulator([(local.url, local.manifest)], seed=3)
        assert len(simulator.step()) == 1
        then = local.w3.eth.block_number
        _pass_time(local, THIRTY_DAYS_S)
        assert len(simulator.step()) == 1

        # When the yields are read with the lookback reaching back to the first tick
        yields = _yields(local, transport, chain, since=then)

    # Then each vault measures as its catalog APY: the harvest compounds it over the window
    for spec in VAULTS:
        measured = yields[spec.symbol]
        assert measured.apy is not None
        assert abs(measured.apy - spec.apy) < Decimal("0.00001"), (spec.symbol, measured.apy, spec.apy)


def test_approve_and_deposit_fit_the_default_deposit_gas(local: Local) -> None:
    depositor = local.w3.eth.accounts[DEPOSITOR_INDEX]
    with _undone(local):
        # Given a fresh account holding the vaults' assets
        fund(local.url, local.manifest, depositor, Decimal(1_000), sorted({v.asset for v in VAULTS}))
        for entry in local.manifest.vaults:
            # When it approves a vault for 100 of the asset and deposits them, for the first time
            asset = local.token(entry.asset)
            vault = local.vault(entry.address)
            amount = 100 * 10 ** local.manifest.token(entry.asset).decimals
            approve = asset.functions.approve(vault.address, amount)
            approve_gas = approve.estimate_gas({"from": depositor})
            _send(local, approve, depositor)
            deposit = vault.functions.deposit(amount, depositor)
            deposit_gas = deposit.estimate_gas({"from": depositor})
            _send(local, deposit, depositor)
            print(
                f"{entry.symbol}: approve {approve_gas} + deposit {deposit_gas} = {approve_gas + deposit_gas}"
            )

            # Then the two together fit the default, with little to spare
            assert approve_gas + deposit_gas <= DEPOSIT_GAS
            assert approve_gas + deposit_gas > DEPOSIT_GAS * 0.8
