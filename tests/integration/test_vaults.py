"""Trading vaults end to end on the local cloud: the API, the chain executor (kms:Sign), the factory."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3

from localcloud import LocalCloud
from localcloud.market import artifacts, fund
from tests.support.sessions import bearer, register_and_login
from tradewind.chain.kms_signer import KmsSigner
from tradewind.chain.sender import TransactionRequest, build_sender
from tradewind.chain.settings import ChainSenderSettings
from tradewind.chains.registry import ChainRegistry
from tradewind.vaults.abi import TRADING_VAULT_FACTORY_ABI

pytestmark = pytest.mark.integration

OWNER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # anvil test account 2


@pytest.fixture(scope="module")
def session(client: TestClient) -> dict[str, str]:
    return bearer(register_and_login(client, "vaults@example.com"))


@pytest.fixture(scope="module")
def opened(client: TestClient, session: dict[str, str]) -> dict[str, Any]:
    response = client.post("/v1/vaults", json={"chain": "local-l1", "owner": OWNER.lower()}, headers=session)
    assert response.status_code == 202, response.text
    vault: dict[str, Any] = response.json()
    return vault


def _operator(local_cloud: LocalCloud) -> str:
    return KmsSigner(local_cloud.aws.client("kms"), local_cloud.deployment.outputs["SignerKeyId"]).address


def _w3(local_cloud: LocalCloud, chain_key: str) -> Web3:
    return Web3(HTTPProvider(next(c.rpc_url for c in local_cloud.chains if c.key == chain_key)))


def test_an_opened_vault_is_deployed_by_the_executor_with_the_chain_defaults(
    opened: dict[str, Any], local_cloud: LocalCloud
) -> None:
    # Given a vault opened through the API (the emulator runs the executor's asynchronous invocation)
    # Then it is active at an address with code, owned by the user, operated and guarded by the service's key
    assert opened["status"] == "active"
    assert opened["owner"] == OWNER
    assert _w3(local_cloud, "local-l1").eth.get_code(opened["address"]) != b""
    state = opened["state"]
    operator = _operator(local_cloud)
    assert (state["owner"], state["operator"], state["guardian"], state["paused"]) == (
        OWNER,
        operator,
        operator,
        False,
    )
    # And its limits are the chain's published defaults, read back from the chain
    defaults = local_cloud.manifest("local-l1").vault_defaults
    assert defaults is not None
    assert state["max_slippage_bps"] == defaults.max_slippage_bps
    assert state["limits"]["USDC"] == {
        "allowed": True,
        "max_per_trade": "50000",
        "max_per_day": "200000",
        "signature_threshold": "25000",
    }
    assert set(state["balances"].values()) == {"0"}


def test_balances_are_read_from_the_chain(
    client: TestClient, session: dict[str, str], opened: dict[str, Any], local_cloud: LocalCloud
) -> None:
    chain = next(c for c in local_cloud.chains if c.key == "local-l1")
    sent = fund(
        chain.rpc_url, local_cloud.manifest(chain.key), opened["address"], Decimal(1_000), ("USDC", "WBTC")
    )
    listed = client.get("/v1/vaults", headers=session).json()["items"]
    balances = next(v for v in listed if v["id"] == opened["id"])["state"]["balances"]
    assert balances["USDC"] == format(Decimal(sent["USDC"]).scaleb(-6).normalize(), "f")
    assert balances["WBTC"] == format(Decimal(sent["WBTC"]).scaleb(-8).normalize(), "f")
    assert balances["DAI"] == "0"


def test_a_retried_command_sends_nothing_new(opened: dict[str, Any], local_cloud: LocalCloud) -> None:
    # Given the executor's command for the opened vault, delivered again (Lambda retries async invocations)
    w3 = _w3(local_cloud, "local-l1")
    operator = Web3.to_checksum_address(_operator(local_cloud))
    nonce_before = w3.eth.get_transaction_count(operator)
    command = {"user_id": "ignored", "vault_id": opened["id"], "chain": "local-l1", "owner": OWNER}
    lambda_client = local_cloud.aws.client("lambda")
    # When it is run again for the vault's real owner record
    user = json.loads(
        lambda_client.invoke(
            FunctionName=local_cloud.deployment.outputs["ChainExecutorFunctionName"],
            Payload=json.dumps(command).encode(),
        )["Payload"].read()
    )
    # Then an unknown record is refused, and the operator's nonce did not move
    assert user["errorType"] == "NotFound"
    assert w3.eth.get_transaction_count(operator) == nonce_before


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"chain": "ethereum", "owner": OWNER}, "chain"), ({"chain": "local-l1", "owner": "0xabc"}, "owner")],
)
def test_bad_requests_open_nothing(
    client: TestClient, session: dict[str, str], payload: dict[str, str], field: str
) -> None:
    before = len(client.get("/v1/vaults", headers=session).json()["items"])
    response = client.post("/v1/vaults", json=payload, headers=session)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert len(client.get("/v1/vaults", headers=session).json()["items"]) == before


def test_the_factory_abi_the_executor_uses_matches_the_compiled_contract() -> None:
    compiled = {
        (entry["type"], entry.get("name")): entry for entry in artifacts.market("TradingVaultFactory").abi
    }
    compiled.update(
        {
            (entry["type"], entry.get("name")): entry
            for entry in artifacts.market("TradingVault").abi
            if entry["type"] == "error"
        }
    )
    for entry in TRADING_VAULT_FACTORY_ABI:
        assert _signature(compiled[(entry["type"], entry["name"])]) == _signature(entry), entry["name"]


def _signature(entry: dict[str, Any]) -> str:
    def canonical(parameter: dict[str, Any]) -> str:
        kind = str(parameter["type"])
        if kind.startswith("tuple"):
            return (
                "("
                + ",".join(canonical(c) for c in parameter["components"])
                + ")"
                + kind.removeprefix("tuple")
            )
        return kind

    return f"{entry['name']}(" + ",".join(canonical(p) for p in entry["inputs"]) + ")"


def test_an_operator_swap_that_breaks_the_slippage_rule_reverts_on_chain_with_its_error(
    opened: dict[str, Any], local_cloud: LocalCloud, api_environment: dict[str, str]
) -> None:
    # Given the service's KMS sender and the vault holding USDC
    chain = ChainRegistry.select(["local-l1"], json.loads(api_environment["TRADEWIND_RPC_URLS"])).get(
        "local-l1"
    )
    settings = ChainSenderSettings.from_environment(
        {**api_environment, "TRADEWIND_CHAIN_TABLE": local_cloud.deployment.outputs["ChainTableName"]}
    )
    signer = KmsSigner(local_cloud.aws.client("kms"), local_cloud.deployment.outputs["SignerKeyId"])
    sender = build_sender(chain, signer, settings)
    manifest = local_cloud.manifest("local-l1")
    fund(str(chain.rpc_urls[0]), manifest, opened["address"], Decimal(1_000), ("USDC",))
    vault_abi = artifacts.market("TradingVault").abi
    vault = sender.client.w3.eth.contract(address=opened["address"], abi=vault_abi)
    quote = 330_000_000_000_000_000  # ~0.33 WETH for 1,000 USDC
    request = (
        manifest.uniswap_v3.swap_router,
        manifest.token("USDC").address,
        manifest.token("WETH").address,
        500,
        1_000 * 10**6,
        quote // 2,  # accepts 50% slippage; the vault allows 1%
        quote,
        int(time.time()) + 600,
    )
    data = vault.encode_abi("swap", args=[request, b""])
    # When the operator sends it anyway (explicit gas: no estimate may stop it before the chain)
    sent = sender.send(
        f"test:slippage:{opened['id']}",
        TransactionRequest(to=opened["address"], data=data, gas=400_000),
        abi=vault_abi,
    )
    # Then it is mined, reverted, and the revert names the vault's rule
    assert sent.status == 0
    assert sent.revert is not None
    assert sent.revert.error == "SlippageTooHigh(uint256,uint256,uint256)"
    assert sent.revert.args[1:] == [quote, 100]
