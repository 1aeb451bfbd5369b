"""A trade's Sign, Broadcast and Check steps on the local cloud, with the executor's KMS key and settings."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import HttpUrl
from web3 import Web3

from localcloud import LocalCloud
from localcloud.market import artifacts, fund
from tests.support.sessions import bearer, register_and_login
from tradewind.chain.client import PoolProvider
from tradewind.chain.errors import ChainUnavailable
from tradewind.chain.kms_signer import KmsSigner
from tradewind.chain.sender import TransactionSender, build_sender
from tradewind.chain.settings import ChainSenderSettings
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.config import ChainSettings
from tradewind.trading.execution import TRADING_VAULT_EXECUTION_ABI, TradeExecution

pytestmark = pytest.mark.integration

RECIPIENT = "0x000000000000000000000000000000000000dEaD"
OWNER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # anvil test account 3
ONE_ETH = 10**18


@pytest.fixture(scope="module")
def executor_environment(local_cloud: LocalCloud) -> Iterator[dict[str, str]]:
    """The chain executor function's environment, applied for the module (PynamoDB reads it)."""
    environment = local_cloud.function_environment("ChainExecutorFunctionName")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        yield environment


@pytest.fixture(scope="module")
def settings(executor_environment: dict[str, str]) -> ChainSenderSettings:
    return ChainSenderSettings.from_environment(executor_environment).model_copy(
        update={"poll_interval_s": 0.05, "rpc_retries": 0, "rpc_backoff_s": 0.01}
    )


@pytest.fixture(scope="module")
def chains(executor_environment: dict[str, str]) -> ChainRegistry:
    chain_settings = ChainSettings.from_environment(executor_environment)
    return ChainRegistry.select(chain_settings.active_chains, chain_settings.rpc_urls)


@pytest.fixture(scope="module")
def signer(local_cloud: LocalCloud, executor_environment: dict[str, str]) -> KmsSigner:
    """The executor's KMS key (the vaults' operator), funded on the local L1."""
    key = KmsSigner(local_cloud.aws.client("kms"), executor_environment["TRADEWIND_SIGNER_KEY_ID"])
    url = next(chain.rpc_url for chain in local_cloud.chains if chain.key == "local-l1")
    balance = int(_rpc(url, "eth_getBalance", key.address, "latest"), 16)
    _rpc(url, "anvil_setBalance", key.address, hex(balance + 100 * ONE_ETH))
    return key


def _rpc(url: str, method: str, *params: Any) -> Any:
    body = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).json()
    assert "error" not in body, body
    return body["result"]


def _execution(
    chains: ChainRegistry,
    signer: KmsSigner,
    settings: ChainSenderSettings,
    *,
    first_urls: tuple[str, ...] = (),
) -> tuple[TradeExecution, list[TransactionSender]]:
    """A TradeExecution like the executor builds, optionally behind extra (dead) first RPC URLs."""
    built: list[TransactionSender] = []

    @cache
    def sender_for(chain: Chain) -> TransactionSender:
        urls = (*(HttpUrl(url) for url in first_urls), *chain.rpc_urls)
        sender = build_sender(chain.model_copy(update={"rpc_urls": urls}), signer, settings)
        built.append(sender)
        return sender

    return TradeExecution(chains, sender_for), built


def _pending_count(url: str, address: str) -> int:
    return int(_rpc(url, "eth_getTransactionCount", address, "pending"), 16)


def _until_final(execution: TradeExecution, trade_id: str, chain: str = "local-l1") -> Any:
    deadline = time.monotonic() + 20
    while True:
        checked = execution.check(trade_id, chain)
        if checked.status != "pending":
            return checked
        assert time.monotonic() < deadline, checked
        time.sleep(0.1)


def _transfer_call(value_marker: int) -> str:
    """Calldata for a plain address: any bytes go through (the dead address has no code)."""
    return "0x" + value_marker.to_bytes(4, "big").hex()


def test_the_execution_abi_matches_the_compiled_vault() -> None:
    compiled = {(entry["type"], entry.get("name")): entry for entry in artifacts.market("TradingVault").abi}
    for entry in TRADING_VAULT_EXECUTION_ABI:
        assert _shape(compiled[(entry["type"], entry["name"])]) == _shape(entry), entry["name"]


def _shape(entry: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """Names, types and indexing of an entry's inputs (the artifact adds ``internalType``)."""
    return [(p["name"], p["type"], bool(p.get("indexed"))) for p in entry["inputs"]]


def test_sign_broadcast_check_confirms_one_transaction_even_when_each_step_is_retried(
    local_cloud: LocalCloud, chains: ChainRegistry, signer: KmsSigner, settings: ChainSenderSettings
) -> None:
    # Given the executor's steps on the local L1
    url = str(chains.get("local-l1").rpc_urls[0])
    execution, _ = _execution(chains, signer, settings)
    trade_id = secrets.token_hex(6)
    before = _pending_count(url, signer.address)
    # When the trade's call is signed twice and broadcast twice (retried states), then checked
    tx_hash = execution.sign(trade_id, "local-l1", RECIPIENT, _transfer_call(1), 60_000)
    assert _pending_count(url, signer.address) == before  # signing sends nothing
    retried_hash = _execution(chains, signer, settings)[0].sign(
        trade_id, "local-l1", RECIPIENT, _transfer_call(2), 60_000
    )
    assert execution.broadcast(trade_id, "local-l1") == tx_hash
    assert _execution(chains, signer, settings)[0].broadcast(trade_id, "local-l1") == tx_hash
    checked = _until_final(execution, trade_id)
    # Then one transaction was sent, from the KMS key, and it is confirmed with its gas figures
    assert retried_hash == tx_hash
    assert _pending_count(url, signer.address) == before + 1
    assert checked.status == "confirmed"
    assert checked.tx_hash == tx_hash
    assert checked.confirmations >= checked.required_confirmations
    mined = _rpc(url, "eth_getTransactionByHash", tx_hash)
    assert mined["from"].lower() == signer.address.lower()
    assert int(mined["nonce"], 16) == before
    assert checked.gas_cost_wei == checked.gas_used * checked.effective_gas_price
    assert (checked.amount_in, checked.amount_out, checked.revert_reason) == (None, None, None)
    # And its JSON keeps wei exact as text
    assert json.loads(checked.model_dump_json())["gas_cost_wei"] == str(checked.gas_cost_wei)


def test_a_dead_first_rpc_url_during_broadcast_goes_through_the_next(
    chains: ChainRegistry, signer: KmsSigner, settings: ChainSenderSettings, closed_port: int
) -> None:
    # Given a signed trade, and an executor whose first L1 URL is dead
    url = str(chains.get("local-l1").rpc_urls[0])
    trade_id = secrets.token_hex(6)
    tx_hash = _execution(chains, signer, settings)[0].sign(
        trade_id, "local-l1", RECIPIENT, _transfer_call(3), 60_000
    )
    execution, built = _execution(chains, signer, settings, first_urls=(f"http://127.0.0.1:{closed_port}",))
    # When it broadcasts
    assert execution.broadcast(trade_id, "local-l1") == tx_hash
    # Then the live URL took the transaction, which confirms
    assert _rpc(url, "eth_getTransactionByHash", tx_hash) is not None
    assert _until_final(execution, trade_id).status == "confirmed"
    assert cast(PoolProvider, built[0].client.w3.provider).pool.preferred_url == url


class _RecordingProxy:
    """A real HTTP hop in front of the node that remembers the JSON-RPC methods it forwarded."""

    def __init__(self, target: str) -> None:
        self.methods: list[str] = []
        methods = self.methods

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                methods.append(json.loads(body)["method"])
                answer = httpx.post(target, content=body, headers={"Content-Type": "application/json"})
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> _RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_a_protected_rpc_url_takes_the_broadcast(
    chains: ChainRegistry, signer: KmsSigner, settings: ChainSenderSettings, closed_port: int
) -> None:
    url = str(chains.get("local-l1").rpc_urls[0])
    with _RecordingProxy(url) as proxy:
        # Given a protected URL configured for the local L1 (a recording hop to the same chain)
        protected = settings.model_copy(update={"protected_rpc_urls": {"local-l1": HttpUrl(proxy.url)}})
        execution, _ = _execution(chains, signer, protected)
        trade_id = secrets.token_hex(6)
        execution.sign(trade_id, "local-l1", RECIPIENT, _transfer_call(4), 60_000)
        # When the trade is broadcast and checked to confirmation
        execution.broadcast(trade_id, "local-l1")
        assert _until_final(execution, trade_id).status == "confirmed"
    # Then the transaction went through the protected URL, once, and nothing else was asked there
    assert proxy.methods == ["eth_sendRawTransaction"]
    # And with the protected URL down, a broadcast fails rather than reach the public pool
    dead = settings.model_copy(
        update={"protected_rpc_urls": {"local-l1": HttpUrl(f"http://127.0.0.1:{closed_port}")}}
    )
    blocked, _ = _execution(chains, signer, dead)
    other = secrets.token_hex(6)
    tx_hash = blocked.sign(other, "local-l1", RECIPIENT, _transfer_call(5), 60_000)
    with pytest.raises(ChainUnavailable):
        blocked.broadcast(other, "local-l1")
    assert _rpc(url, "eth_getTransactionByHash", tx_hash) is None
    # (the signed transaction stays recorded; broadcast it through the pool so the key's nonces stay gapless)
    _execution(chains, signer, settings)[0].broadcast(other, "local-l1")


@pytest.fixture(scope="module")
def vault(local_cloud: LocalCloud, client: TestClient, executor_environment: dict[str, str]) -> str:
    """A vault opened through the API (deployed by the executor), holding 1,000 USDC."""
    session = bearer(register_and_login(client, "trade-execution@example.com"))
    response = client.post("/v1/vaults", json={"chain": "local-l1", "owner": OWNER.lower()}, headers=session)
    assert response.status_code == 202, response.text
    opened: dict[str, Any] = response.json()
    assert opened["status"] == "active", opened
    url = next(chain.rpc_url for chain in local_cloud.chains if chain.key == "local-l1")
    fund(url, local_cloud.manifest("local-l1"), opened["address"], Decimal(1_000), ("USDC",))
    address: str = opened["address"]
    return address


def _swap_call(
    local_cloud: LocalCloud, sender: TransactionSender, vault: str, min_out: int, quote: int
) -> str:
    manifest = local_cloud.manifest("local-l1")
    contract = sender.client.w3.eth.contract(
        address=Web3.to_checksum_address(vault), abi=artifacts.market("TradingVault").abi
    )
    request = (
        manifest.uniswap_v3.swap_router,
        manifest.token("USDC").address,
        manifest.token("WETH").address,
        500,
        100 * 10**6,
        min_out,
        quote,
        int(time.time()) + 600,
    )
    data: str = contract.encode_abi("swap", args=[request, b""])
    return data


def test_check_reads_a_real_vault_swap_and_decodes_a_real_vault_revert(
    local_cloud: LocalCloud,
    vault: str,
    chains: ChainRegistry,
    signer: KmsSigner,
    settings: ChainSenderSettings,
) -> None:
    execution, _ = _execution(chains, signer, settings)
    sender = build_sender(chains.get("local-l1"), signer, settings)
    # Given a swap of 100 USDC for WETH through the vault (a token quote, so any output passes slippage)
    swapped = secrets.token_hex(6)
    execution.sign(swapped, "local-l1", vault, _swap_call(local_cloud, sender, vault, 1, 1), 600_000)
    execution.broadcast(swapped, "local-l1")
    # When it is checked to the end
    checked = _until_final(execution, swapped)
    # Then the amounts come from the vault's Swapped event
    assert checked.status == "confirmed", checked
    assert checked.amount_in == 100 * 10**6
    assert checked.amount_out is not None
    assert checked.amount_out > 0
    # Given a swap whose minimum output implies more slippage than the vault allows
    quote = 10**18
    reverting = secrets.token_hex(6)
    execution.sign(
        reverting, "local-l1", vault, _swap_call(local_cloud, sender, vault, quote // 2, quote), 600_000
    )
    execution.broadcast(reverting, "local-l1")
    # Then the check reports the vault's error, decoded
    failed = _until_final(execution, reverting)
    assert failed.status == "reverted"
    assert failed.revert is not None
    assert failed.revert.error == "SlippageTooHigh(uint256,uint256,uint256)"
    assert failed.revert_reason is not None
    assert failed.revert_reason.startswith("SlippageTooHigh(")
    assert (failed.amount_in, failed.amount_out) == (None, None)
