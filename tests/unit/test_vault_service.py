"""Opening vaults and reading them back, on in-memory adapters."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.support.events import load_event
from tests.unit.manifests import SWAP_ROUTER, placeholder, sample_manifest
from tests.unit.memory import FakeClock, InMemoryManifests, InMemoryVaultsRepository, RecordingDispatcher
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.deployments.manifest import DeploymentManifest, TokenEntry, TokenRule, VaultDefaults
from tradewind.errors import InvalidInput, NotFound
from tradewind.vaults.models import DeployVaultCommand, TokenLimits, VaultState, VaultStatus
from tradewind.vaults.onchain import VaultStateReader, _units
from tradewind.vaults.service import VaultService

OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
USDC = placeholder("7")
MANIFEST = sample_manifest(
    tokens=(TokenEntry(symbol="USDC", name="USD Coin", decimals=6, address=USDC),),
    vault_defaults=VaultDefaults(
        max_slippage_bps=100,
        routers=(SWAP_ROUTER,),
        tokens=(
            TokenRule(
                token=USDC, max_per_trade=50_000_000_000, max_per_day=2 * 10**11, signature_threshold=10
            ),
        ),
        yield_vaults=(),
    ),
)
STATE = VaultState(
    owner=OWNER,
    operator="0x" + "a" * 40,
    guardian="0x" + "a" * 40,
    paused=False,
    max_slippage_bps=100,
    limits={
        "USDC": TokenLimits(
            allowed=True, max_per_trade="50000", max_per_day="200000", signature_threshold="0"
        )
    },
    balances={"USDC": "10000"},
)


class _Reader(VaultStateReader):
    def __init__(self) -> None:
        super().__init__(timeout_s=1)
        self.reads: list[str] = []

    def read(self, chain: Chain, manifest: DeploymentManifest, vault: str) -> VaultState:
        self.reads.append(vault)
        return STATE


@pytest.fixture
def dispatcher() -> RecordingDispatcher:
    return RecordingDispatcher()


@pytest.fixture
def repository() -> InMemoryVaultsRepository:
    return InMemoryVaultsRepository()


@pytest.fixture
def vaults(repository: InMemoryVaultsRepository, dispatcher: RecordingDispatcher) -> VaultService:
    without_defaults = MANIFEST.model_copy(update={"chain_key": "local-l2", "vault_defaults": None})
    return VaultService(
        repository,
        chains=ChainRegistry.select(["local-l1", "local-l2"]),
        manifests=InMemoryManifests({"local-l1": MANIFEST, "local-l2": without_defaults}),
        dispatcher=dispatcher,
        reader=_Reader(),
        clock=FakeClock(),
    )


def test_opening_records_the_vault_and_dispatches_one_command(
    vaults: VaultService, dispatcher: RecordingDispatcher
) -> None:
    vault = vaults.open("user-1", "local-l1", OWNER.lower())
    assert (vault.status, vault.owner, vault.state) == (VaultStatus.DEPLOYING, OWNER, None)
    assert [(c.user_id, c.vault_id, c.chain, c.owner) for c in dispatcher.commands] == [
        ("user-1", vault.id, "local-l1", OWNER)
    ]


@pytest.mark.parametrize(
    ("chain", "owner", "field"),
    [
        ("ethereum", OWNER, "chain"),
        ("local-l2", OWNER, "chain"),
        ("local-l1", "0x1234", "owner"),
        ("local-l1", OWNER[:-1] + "9", "owner"),
    ],
)
def test_bad_requests_open_nothing(
    vaults: VaultService, dispatcher: RecordingDispatcher, chain: str, owner: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        vaults.open("user-1", chain, owner)
    assert raised.value.field == field
    assert dispatcher.commands == []


def test_state_is_read_for_active_vaults_only(
    vaults: VaultService, repository: InMemoryVaultsRepository
) -> None:
    deploying = vaults.open("user-1", "local-l1", OWNER)
    active = vaults.open("user-1", "local-l1", OWNER)
    repository.save(
        "user-1", active.model_copy(update={"status": VaultStatus.ACTIVE, "address": "0x" + "b" * 40})
    )
    listed = {vault.id: vault for vault in vaults.list("user-1")}
    assert listed[deploying.id].state is None
    assert listed[active.id].state == STATE
    with pytest.raises(NotFound):
        vaults.get("user-2", active.id)


def test_each_vault_has_its_own_create2_salt(vaults: VaultService) -> None:
    first, second = vaults.open("user-1", "local-l1", OWNER), vaults.open("user-1", "local-l1", OWNER)
    assert first.salt != second.salt
    assert len(bytes.fromhex(first.salt.removeprefix("0x"))) == 32


@pytest.mark.parametrize(
    ("amount", "decimals", "text"),
    [(50_000_000_000, 6, "50000"), (0, 18, "0"), (16_666_667, 8, "0.16666667"), (10**19, 18, "10")],
)
def test_amounts_are_plain_decimal_strings(amount: int, decimals: int, text: str) -> None:
    assert _units(amount, decimals) == text


def test_defaults_become_the_factory_initial_config() -> None:
    assert MANIFEST.vault_defaults is not None
    routers, tokens, configs, yield_vaults = MANIFEST.vault_defaults.initial_config()
    assert (routers, tokens, yield_vaults) == ([SWAP_ROUTER], [USDC], [])
    assert configs == [(True, 50_000_000_000, 2 * 10**11, 10)]


def test_dispatched_commands_and_the_sample_match_the_published_schema(
    vaults: VaultService, dispatcher: RecordingDispatcher
) -> None:
    schema = load_event("chain_executor/deploy_vault.schema.json")
    sample = load_event("chain_executor/deploy_vault.json")
    jsonschema.validate(sample, schema)
    assert DeployVaultCommand.model_validate(sample).chain == "local-l1"
    vaults.open("user-1", "local-l1", OWNER)
    jsonschema.validate(json.loads(dispatcher.commands[0].model_dump_json()), schema)
