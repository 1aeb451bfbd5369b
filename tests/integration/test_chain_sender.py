"""The chain package on the local cloud: KMS signing, nonces under concurrency, failover, replacement."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import httpx
import pytest
from eth_keys.datatypes import Signature
from pydantic import HttpUrl

from localcloud import LocalCloud
from tradewind.chain.client import PoolProvider, connect
from tradewind.chain.errors import TransactionRejected
from tradewind.chain.fees import Fees
from tradewind.chain.kms_signer import KmsSigner
from tradewind.chain.nonces import NonceManager
from tradewind.chain.records import TransactionStore
from tradewind.chain.sender import SentTransaction, TransactionRequest, TransactionSender, build_sender
from tradewind.chain.settings import ChainSenderSettings
from tradewind.chains.registry import KNOWN_CHAINS, Chain

pytestmark = pytest.mark.integration

RECIPIENT = "0x000000000000000000000000000000000000dEaD"
ONE_ETH = 10**18


@pytest.fixture(scope="module")
def cloud(local_cloud: LocalCloud) -> Iterator[LocalCloud]:
    """The local cloud, with the emulator's AWS environment applied (PynamoDB finds it there)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in local_cloud.aws_environment().items():
            patch.setenv(name, value)
        yield local_cloud


@pytest.fixture(scope="module")
def settings(cloud: LocalCloud) -> ChainSenderSettings:
    return ChainSenderSettings(
        chain_table=cloud.deployment.outputs["ChainTableName"],
        rpc_timeout_s=2,
        rpc_retries=1,
        rpc_backoff_s=0.05,
        poll_interval_s=0.05,
        stuck_after_s=5,
        confirmation_timeout_s=20,
        fee_history_blocks=5,
    )


@pytest.fixture(scope="module")
def signer(cloud: LocalCloud) -> KmsSigner:
    return KmsSigner(cloud.aws.client("kms"), cloud.deployment.outputs["SignerKeyId"])


def _chain(cloud: LocalCloud, key: str, *urls: str) -> Chain:
    """The registry's chain with the local cloud's RPC URL (after ``urls``, when given)."""
    local = next(chain for chain in cloud.chains if chain.key == key)
    known = next(chain for chain in KNOWN_CHAINS if chain.key == key)
    return known.model_copy(update={"rpc_urls": tuple(HttpUrl(url) for url in (*urls, local.rpc_url))})


def _rpc(url: str, method: str, *params: Any) -> Any:
    body = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).json()
    assert "error" not in body, body
    return body["result"]


@pytest.fixture(scope="module")
def funded(cloud: LocalCloud, signer: KmsSigner) -> str:
    """The signer's address, with 1000 ETH on both chains."""
    for chain in cloud.chains:
        _rpc(chain.rpc_url, "anvil_setBalance", signer.address, hex(1000 * ONE_ETH))
    return signer.address


def _sender(cloud: LocalCloud, settings: ChainSenderSettings, chain: Chain) -> TransactionSender:
    return build_sender(
        chain, KmsSigner(cloud.aws.client("kms"), cloud.deployment.outputs["SignerKeyId"]), settings
    )


def _wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_kms_signatures_over_random_digests_recover_to_the_signer_address(signer: KmsSigner) -> None:
    # Given 50 random digests
    for _ in range(50):
        digest = secrets.token_bytes(32)
        # When KMS signs each
        v, r, s = signer.sign_digest(digest)
        # Then the digest itself (not a hash of it) recovers to the address derived from the public key
        recovered = Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
        assert recovered.to_checksum_address() == signer.address


def test_kms_signed_transactions_mine_from_the_signer_address(
    cloud: LocalCloud, settings: ChainSenderSettings, funded: str
) -> None:
    # Given a sender on the local L1
    chain = _chain(cloud, "local-l1")
    sender = _sender(cloud, settings, chain)
    # When three transfers are sent
    results = [
        sender.send(f"transfer-{secrets.token_hex(4)}", TransactionRequest(to=RECIPIENT, value=i + 1))
        for i in range(3)
    ]
    # Then each mined successfully, from the KMS key's address
    for result in results:
        assert result.status == 1
        mined = _rpc(chain.rpc_urls[0].unicode_string(), "eth_getTransactionByHash", result.tx_hash)
        assert mined["from"].lower() == funded.lower()
        assert int(mined["type"], 16) == 2


def test_a_retry_of_a_logical_id_returns_the_same_transaction(
    cloud: LocalCloud, settings: ChainSenderSettings, funded: str
) -> None:
    # Given a transfer sent under a logical id
    chain = _chain(cloud, "local-l1")
    sender = _sender(cloud, settings, chain)
    nonces = NonceManager(connect(chain, settings), chain.chain_id, funded)
    logical_id = f"idem-{secrets.token_hex(4)}"
    first = sender.send(logical_id, TransactionRequest(to=RECIPIENT, value=7))
    counter = nonces.peek()
    sent = int(_rpc(chain.rpc_urls[0].unicode_string(), "eth_getTransactionCount", funded, "pending"), 16)
    # When the same logical id is sent again, by a fresh sender (as a retried invocation would)
    second = _sender(cloud, settings, chain).send(logical_id, TransactionRequest(to=RECIPIENT, value=7))
    # Then the result is the same transaction, and no nonce or transaction was added
    assert second.tx_hash == first.tx_hash
    assert second.nonce == first.nonce
    assert nonces.peek() == counter
    assert (
        int(_rpc(chain.rpc_urls[0].unicode_string(), "eth_getTransactionCount", funded, "pending"), 16)
        == sent
    )


def test_forty_concurrent_sends_use_each_nonce_exactly_once(
    cloud: LocalCloud, settings: ChainSenderSettings, funded: str
) -> None:
    # Given the local L2, where the key has sent nothing, and four workers with a sender each
    chain = _chain(cloud, "local-l2")
    url = chain.rpc_urls[0].unicode_string()
    senders = [_sender(cloud, settings, chain) for _ in range(4)]
    run = secrets.token_hex(4)

    def work(worker: int) -> list[SentTransaction]:
        return [
            senders[worker].send(f"{run}-{worker}-{i}", TransactionRequest(to=RECIPIENT, value=1))
            for i in range(10)
        ]

    # When they send ten transactions each, concurrently
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [result for batch in pool.map(work, range(4)) for result in batch]

    # Then all 40 mined, and the chain holds exactly nonces 0..39 from the key, each once
    assert all(result.status == 1 for result in results)
    assert sorted(result.nonce for result in results) == list(range(40))
    on_chain = []
    for number in range(int(_rpc(url, "eth_blockNumber"), 16) + 1):
        block = _rpc(url, "eth_getBlockByNumber", hex(number), True)
        on_chain += [int(tx["nonce"], 16) for tx in block["transactions"] if tx["from"] == funded.lower()]
    assert sorted(on_chain) == list(range(40))
    assert int(_rpc(url, "eth_getTransactionCount", funded, "pending"), 16) == 40


def test_a_dead_first_rpc_url_fails_over_to_the_second(
    cloud: LocalCloud, settings: ChainSenderSettings, funded: str, closed_port: int
) -> None:
    # Given the local L1 behind a dead first URL
    dead = f"http://127.0.0.1:{closed_port}"
    chain = _chain(cloud, "local-l1", dead)
    client = connect(chain, settings)
    # When the chain is used, through the client and through a sender
    block = client.block_number()
    result = _sender(cloud, settings, chain).send(
        f"failover-{secrets.token_hex(4)}", TransactionRequest(to=RECIPIENT, value=1)
    )
    # Then the live URL answered and is the one now preferred
    assert block >= 0
    assert result.status == 1
    pool = cast(PoolProvider, client.w3.provider).pool
    assert pool.preferred_url == chain.rpc_urls[1].unicode_string()


def test_a_stuck_transaction_is_replaced_with_bumped_fees_at_the_same_nonce(
    cloud: LocalCloud, settings: ChainSenderSettings, funded: str
) -> None:
    # Given a chain that stops mining, and a sender that calls a transaction stuck after 1 s
    chain = _chain(cloud, "local-l1")
    url = chain.rpc_urls[0].unicode_string()
    sender = _sender(cloud, settings.model_copy(update={"stuck_after_s": 1.0}), chain)
    store = TransactionStore(chain.chain_id)
    logical_id = f"stuck-{secrets.token_hex(4)}"
    outcome: dict[str, SentTransaction] = {}
    _rpc(url, "evm_setAutomine", False)
    try:
        worker = threading.Thread(
            target=lambda: outcome.update(
                sent=sender.send(logical_id, TransactionRequest(to=RECIPIENT, value=3))
            )
        )
        worker.start()
        # When the first version reaches the node's pool and sits there unmined
        _wait_for(lambda: (record := store.get(logical_id)) is not None and _in_pool(url, record.tx_hash))
        first = store.get(logical_id)
        assert first is not None
        # And the sender has replaced it, and a block is mined
        _wait_for(lambda: (record := store.get(logical_id)) is not None and len(record.tx_hashes) == 2)
        _rpc(url, "anvil_mine", "0x1")
        worker.join(timeout=10)
    finally:
        _rpc(url, "evm_setAutomine", True)
    # Then the replacement mined instead, at the original nonce, with both fees 12.5% higher
    record = store.get(logical_id)
    assert record is not None
    sent = outcome["sent"]
    assert record.tx_hashes == (first.tx_hash, sent.tx_hash)
    assert sent.replacements == 1
    assert _rpc(url, "eth_getTransactionReceipt", first.tx_hash) is None
    mined = _rpc(url, "eth_getTransactionByHash", sent.tx_hash)
    assert int(mined["nonce"], 16) == sent.nonce == first.nonce
    bumped = Fees(
        max_fee_per_gas=first.tx["maxFeePerGas"], max_priority_fee_per_gas=first.tx["maxPriorityFeePerGas"]
    ).bumped()
    assert int(mined["maxFeePerGas"], 16) == bumped.max_fee_per_gas
    assert int(mined["maxPriorityFeePerGas"], 16) == bumped.max_priority_fee_per_gas


def _in_pool(url: str, tx_hash: str) -> bool:
    return _rpc(url, "eth_getTransactionByHash", tx_hash) is not None


def test_a_send_the_node_refuses_gives_its_nonce_back(
    cloud: LocalCloud, settings: ChainSenderSettings, funded: str
) -> None:
    # Given a transfer of more than the key holds, with gas given so that only the node can refuse it
    chain = _chain(cloud, "local-l1")
    nonces = NonceManager(connect(chain, settings), chain.chain_id, funded)
    sender = _sender(cloud, settings, chain)
    sender.send(f"warm-{secrets.token_hex(4)}", TransactionRequest(to=RECIPIENT, value=1))
    counter = nonces.peek()
    logical_id = f"refused-{secrets.token_hex(4)}"
    # When it is sent
    with pytest.raises(TransactionRejected):
        sender.send(logical_id, TransactionRequest(to=RECIPIENT, value=10**30, gas=21_000))
    # Then no record remains (a retry signs afresh) and the nonce was given back: no gap
    assert TransactionStore(chain.chain_id).get(logical_id) is None
    assert nonces.peek() == counter
    assert (
        sender.send(f"after-{secrets.token_hex(4)}", TransactionRequest(to=RECIPIENT, value=1)).nonce
        == counter
    )


def test_repair_closes_a_gap_left_by_reservations_never_broadcast(
    cloud: LocalCloud, settings: ChainSenderSettings, funded: str
) -> None:
    # Given two nonces reserved by invocations that died before broadcasting (release impossible)
    chain = _chain(cloud, "local-l1")
    client = connect(chain, settings)
    nonces = NonceManager(client, chain.chain_id, funded)
    pending = client.pending_nonce(funded)
    first, second = nonces.reserve(), nonces.reserve()
    assert (first, second) == (pending, pending + 1)
    assert not nonces.release(first)
    # When the counter is repaired
    repaired = nonces.repair()
    # Then it is back at the chain's pending count, and a repair with no gap changes nothing
    assert repaired == pending
    assert nonces.peek() == pending
    assert nonces.repair() is None


def _reverting_init_code(payload: bytes) -> str:
    """Creation code that reverts with ``payload``: MSTORE each 32-byte word, then REVERT."""
    padded = payload + b"\x00" * (-len(payload) % 32)
    code = b""
    for offset in range(0, len(padded), 32):
        code += b"\x7f" + padded[offset : offset + 32] + b"\x60" + bytes([offset]) + b"\x52"
    code += b"\x61" + len(payload).to_bytes(2, "big") + b"\x60\x00\xfd"
    return "0x" + code.hex()


def test_a_reverted_transaction_reports_its_decoded_custom_error(
    cloud: LocalCloud, settings: ChainSenderSettings, funded: str
) -> None:
    # Given a contract creation that reverts with a custom error the ABI declares
    from eth_abi.abi import encode  # noqa: PLC0415 - only this test builds revert data
    from eth_utils.crypto import keccak  # noqa: PLC0415

    abi = [{"type": "error", "name": "Nope", "inputs": [{"name": "code", "type": "uint256"}]}]
    payload = keccak(text="Nope(uint256)")[:4] + encode(["uint256"], [42])
    chain = _chain(cloud, "local-l1")
    request = TransactionRequest(data=_reverting_init_code(payload), gas=100_000)
    # When it is sent with an explicit gas limit (estimation would refuse it)
    result = _sender(cloud, settings, chain).send(f"revert-{secrets.token_hex(4)}", request, abi)
    # Then it mined with status 0 and the error was decoded
    assert result.status == 0
    assert result.revert is not None
    assert result.revert.error == "Nope(uint256)"
    assert result.revert.args == [42]
