"""The sender's steps (prepare, broadcast, check) over in-memory doubles of its own ports."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import encode
from eth_account import Account
from eth_utils.crypto import keccak
from pydantic import ValidationError
from web3 import Web3
from web3.types import TxParams

from tradewind.chain.client import ChainClient, Receipt
from tradewind.chain.errors import TransactionRejected
from tradewind.chain.fees import FeeEstimator, Fees
from tradewind.chain.records import TransactionRecord
from tradewind.chain.sender import TransactionRequest, TransactionSender
from tradewind.chain.settings import ChainSenderSettings
from tradewind.chains.registry import KNOWN_CHAINS
from tradewind.errors import NotFound
from tradewind.storage.dynamodb import ConditionFailed
from tradewind.trading.execution import TRADING_VAULT_EXECUTION_ABI, revert_reason, swap_amounts

KEY = "0x" + "11" * 32
RECIPIENT = "0x000000000000000000000000000000000000dEaD"
CHAIN = next(chain for chain in KNOWN_CHAINS if chain.key == "ethereum")  # 3 confirmations
SETTINGS = ChainSenderSettings(chain_table="chain-table", stuck_after_s=60, max_replacements=2)


class LocalKeySigner:
    """A TransactionSigner over a local key, counting signatures."""

    def __init__(self) -> None:
        self.account = Account.from_key(KEY)
        self.signed = 0

    @property
    def address(self) -> str:
        return str(self.account.address)

    def sign_transaction(self, tx: dict[str, Any]) -> bytes:
        self.signed += 1
        return bytes(self.account.sign_transaction(tx).raw_transaction)


class MemoryChain(ChainClient):
    """The ChainClient port over a dict mempool and a dict of receipts; a test mines by hand."""

    def __init__(self) -> None:
        super().__init__(CHAIN, Web3())
        self.head = 100
        self.pool: dict[str, bytes] = {}
        self.mined: dict[str, Receipt] = {}
        self.received: list[str] = []
        self.refuse = False
        self.revert_payload: bytes | None = None
        self.nonce_used = 0

    def block_number(self) -> int:
        return self.head

    def pending_nonce(self, address: str) -> int:
        return self.nonce_used

    def fee_history(self, blocks: int, percentile: float) -> dict[str, Any]:
        return {"baseFeePerGas": [10**9] * (blocks + 1), "reward": [[10**8]] * blocks}

    def estimate_gas(self, tx: TxParams) -> int:
        return 21_000

    def send_raw(self, raw: bytes) -> str:
        tx_hash = "0x" + keccak(raw).hex()
        self.received.append(tx_hash)
        if tx_hash in self.pool or tx_hash in self.mined:
            raise TransactionRejected("already known")
        if self.refuse:
            raise TransactionRejected("insufficient funds")
        self.pool[tx_hash] = raw
        return tx_hash

    def is_known(self, tx_hash: str) -> bool:
        return tx_hash in self.pool or tx_hash in self.mined

    def receipt(self, tx_hash: str) -> Receipt | None:
        return self.mined.get(tx_hash)

    def revert_data(self, tx: TxParams, block_number: int) -> bytes | None:
        return self.revert_payload

    def mine(self, tx_hash: str, *, status: int = 1) -> None:
        self.head += 1
        self.pool.pop(tx_hash)
        self.mined[tx_hash] = Receipt(
            tx_hash=tx_hash, block_number=self.head, status=status, gas_used=21_000, effective_gas_price=10**9
        )


class MemoryNonces:
    """NonceReservations over a counter."""

    def __init__(self) -> None:
        self.next = 0

    def reserve(self) -> int:
        self.next += 1
        return self.next - 1

    def release(self, nonce: int) -> bool:
        if self.next != nonce + 1:
            return False
        self.next = nonce
        return True


class MemoryRecords:
    """TransactionRecords over a dict, with the store's conditions."""

    def __init__(self) -> None:
        self.records: dict[str, TransactionRecord] = {}

    def get(self, logical_id: str) -> TransactionRecord | None:
        return self.records.get(logical_id)

    def create(self, record: TransactionRecord) -> None:
        if record.logical_id in self.records:
            raise ConditionFailed(record.logical_id)
        self.records[record.logical_id] = record

    def replace(
        self,
        record: TransactionRecord,
        tx: dict[str, Any],
        raw_hex: str,
        tx_hash: str,
        *,
        signed_at: float = 0.0,
    ) -> TransactionRecord:
        if self.records[record.logical_id].raw_hex != record.raw_hex:
            raise ConditionFailed(record.logical_id)
        replaced = record.model_copy(
            update={
                "tx": tx,
                "raw_hex": raw_hex,
                "tx_hashes": (*record.tx_hashes, tx_hash),
                "signed_at": signed_at,
            }
        )
        self.records[record.logical_id] = replaced
        return replaced

    def delete(self, record: TransactionRecord) -> None:
        del self.records[record.logical_id]


class WallClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Rig:
    """One sender over the doubles, and the doubles to look at."""

    def __init__(self, *, protected: bool = False) -> None:
        self.chain = MemoryChain()
        self.protected = MemoryChain() if protected else None
        self.signer = LocalKeySigner()
        self.nonces = MemoryNonces()
        self.records = MemoryRecords()
        self.clock = WallClock()

    def sender(self) -> TransactionSender:
        """A new sender on the same state, as a retried invocation would build."""
        return TransactionSender(
            self.chain,
            self.signer,
            self.nonces,
            FeeEstimator(self.chain, SETTINGS),
            store=self.records,
            settings=SETTINGS,
            fee_settings=SETTINGS,
            protected=self.protected,
            now=self.clock,
            sleep=lambda _: None,
        )


REQUEST = TransactionRequest(to=RECIPIENT, value=1)


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_prepare_twice_signs_once_and_returns_the_stored_record(rig: Rig) -> None:
    # Given a transaction prepared under a logical id
    first = rig.sender().prepare("trade:t1", REQUEST)
    # When prepare is retried by another invocation, even with a different request
    second = rig.sender().prepare("trade:t1", TransactionRequest(to=RECIPIENT, value=2))
    # Then nothing new was signed or reserved, and nothing was sent
    assert second == first
    assert rig.signer.signed == 1
    assert rig.nonces.next == 1
    assert rig.chain.received == []


def test_broadcast_sends_the_prepared_bytes_and_a_known_transaction_is_success(rig: Rig) -> None:
    # Given a prepared transaction, broadcast once
    record = rig.sender().prepare("trade:t1", REQUEST)
    assert rig.sender().broadcast("trade:t1") == record.tx_hash
    # When the broadcast is retried and the node answers "already known"
    again = rig.sender().broadcast("trade:t1")
    # Then it is success with the same hash, and the node holds one transaction
    assert again == record.tx_hash
    assert rig.chain.received == [record.tx_hash, record.tx_hash]
    assert list(rig.chain.pool) == [record.tx_hash]


def test_broadcast_of_nothing_prepared_is_not_found(rig: Rig) -> None:
    with pytest.raises(NotFound):
        rig.sender().broadcast("trade:never")


def test_a_refused_first_broadcast_forgets_the_record_and_gives_the_nonce_back(rig: Rig) -> None:
    # Given a prepared transaction the node refuses
    rig.sender().prepare("trade:t1", REQUEST)
    rig.chain.refuse = True
    # When it is broadcast
    with pytest.raises(TransactionRejected):
        rig.sender().broadcast("trade:t1")
    # Then a retry would sign afresh at the same nonce: no gap
    assert rig.records.get("trade:t1") is None
    assert rig.nonces.next == 0


def test_a_protected_url_takes_the_broadcast_and_the_pool_does_not() -> None:
    # Given a sender with a protected RPC for the chain
    rig = Rig(protected=True)
    assert rig.protected is not None
    record = rig.sender().prepare("trade:t1", REQUEST)
    # When it broadcasts
    rig.sender().broadcast("trade:t1")
    # Then only the protected endpoint received the transaction
    assert rig.protected.received == [record.tx_hash]
    assert rig.chain.received == []


def test_check_is_pending_until_mined_then_counts_confirmations_to_the_depth(rig: Rig) -> None:
    # Given a broadcast transaction
    record = rig.sender().prepare("trade:t1", REQUEST)
    rig.sender().broadcast("trade:t1")
    # Then it is pending while unmined
    pending = rig.sender().check("trade:t1")
    assert (pending.status, pending.tx_hash, pending.final) == ("pending", record.tx_hash, False)
    # When it is mined, it is mined with one confirmation of three
    rig.chain.mine(record.tx_hash)
    mined = rig.sender().check("trade:t1")
    assert (mined.status, mined.confirmations, mined.required_confirmations) == ("mined", 1, 3)
    # And once two more blocks are on top it is confirmed, with the receipt's figures
    rig.chain.head += 2
    confirmed = rig.sender().check("trade:t1")
    assert (confirmed.status, confirmed.confirmations, confirmed.final) == ("confirmed", 3, True)
    assert (confirmed.block_number, confirmed.gas_used, confirmed.effective_gas_price) == (101, 21_000, 10**9)
    assert rig.signer.signed == 1


def test_check_decodes_a_revert_at_depth_against_the_abi(rig: Rig) -> None:
    # Given a transaction mined with status 0, whose replay reverts with the vault's SlippageTooHigh
    record = rig.sender().prepare("trade:t1", REQUEST)
    rig.sender().broadcast("trade:t1")
    rig.chain.mine(record.tx_hash, status=0)
    rig.chain.head += 2
    rig.chain.revert_payload = keccak(text="SlippageTooHigh(uint256,uint256,uint256)")[:4] + encode(
        ["uint256", "uint256", "uint256"], [1, 330, 100]
    )
    # When it is checked with the vault's ABI
    checked = rig.sender().check("trade:t1", TRADING_VAULT_EXECUTION_ABI)
    # Then it is reverted, with the error decoded and readable
    assert checked.status == "reverted"
    assert checked.revert is not None
    assert checked.revert.error == "SlippageTooHigh(uint256,uint256,uint256)"
    assert checked.revert.args == [1, 330, 100]
    assert revert_reason(checked.revert) == "SlippageTooHigh(1, 330, 100)"


def test_check_decodes_a_revert_string(rig: Rig) -> None:
    record = rig.sender().prepare("trade:t1", REQUEST)
    rig.sender().broadcast("trade:t1")
    rig.chain.mine(record.tx_hash, status=0)
    rig.chain.head += 2
    rig.chain.revert_payload = bytes.fromhex("08c379a0") + encode(["string"], ["Too little received"])
    checked = rig.sender().check("trade:t1")
    assert checked.revert is not None
    assert revert_reason(checked.revert) == "Too little received"


def test_a_stuck_transaction_is_replaced_with_both_fees_bumped_and_broadcast(rig: Rig) -> None:
    # Given a broadcast transaction unmined for longer than stuck_after_s since it was signed
    first = rig.sender().prepare("trade:t1", REQUEST)
    rig.sender().broadcast("trade:t1")
    rig.clock.now += SETTINGS.stuck_after_s
    # When it is checked
    checked = rig.sender().check("trade:t1")
    # Then a replacement at the same nonce, both fees +12.5%, was persisted and sent; pending with its hash
    record = rig.records.get("trade:t1")
    assert record is not None
    assert record.tx_hashes == (first.tx_hash, checked.tx_hash)
    assert (checked.status, checked.replacements, record.nonce) == ("pending", 1, first.nonce)
    bumped = Fees(
        max_fee_per_gas=first.tx["maxFeePerGas"], max_priority_fee_per_gas=first.tx["maxPriorityFeePerGas"]
    ).bumped()
    assert (record.tx["maxFeePerGas"], record.tx["maxPriorityFeePerGas"]) == (
        bumped.max_fee_per_gas,
        bumped.max_priority_fee_per_gas,
    )
    assert checked.tx_hash in rig.chain.pool
    # And a check right after does not replace again (the replacement's own age counts)
    assert rig.sender().check("trade:t1").replacements == 1
    # And when the first version is the one mined, it is still found
    rig.chain.mine(first.tx_hash)
    assert rig.sender().check("trade:t1").tx_hash == first.tx_hash


def test_replacements_stop_at_the_configured_maximum(rig: Rig) -> None:
    rig.sender().prepare("trade:t1", REQUEST)
    rig.sender().broadcast("trade:t1")
    for _ in range(SETTINGS.max_replacements + 2):
        rig.clock.now += SETTINGS.stuck_after_s
        rig.sender().check("trade:t1")
    record = rig.records.get("trade:t1")
    assert record is not None
    assert len(record.tx_hashes) == SETTINGS.max_replacements + 1


def test_a_transaction_reorged_out_is_pending_again_and_sent_again(rig: Rig) -> None:
    # Given a mined transaction with one confirmation
    record = rig.sender().prepare("trade:t1", REQUEST)
    rig.sender().broadcast("trade:t1")
    rig.chain.mine(record.tx_hash)
    assert rig.sender().check("trade:t1").status == "mined"
    # When a reorg drops its block and the node forgets it
    del rig.chain.mined[record.tx_hash]
    checked = rig.sender().check("trade:t1")
    # Then it is pending again, and the same bytes went back to the node
    assert (checked.status, checked.tx_hash) == ("pending", record.tx_hash)
    assert record.tx_hash in rig.chain.pool
    assert rig.signer.signed == 1


def test_send_is_the_steps_composed() -> None:
    # Given a chain that mines every transaction it receives, three blocks deep
    rig = Rig()
    sender = rig.sender()
    original = rig.chain.send_raw

    def mine_on_receipt(raw: bytes) -> str:
        tx_hash = original(raw)
        rig.chain.mine(tx_hash)
        rig.chain.head += 2
        return tx_hash

    rig.chain.send_raw = mine_on_receipt  # type: ignore[method-assign]
    # When a transfer is sent, and sent again under the same logical id
    sent = sender.send("transfer-1", REQUEST)
    again = rig.sender().send("transfer-1", REQUEST)
    # Then it confirmed once, signed once
    assert (sent.status, sent.replacements, sent.block_number) == (1, 0, 101)
    assert again == sent
    assert rig.signer.signed == 1


VAULT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ROUTER = "0xE592427A0AEce92De3Edfc9b8b3dA89cD6eE3F4a"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"


def _topic(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


def test_swap_amounts_come_from_the_vaults_swap_event_in_a_receipts_logs() -> None:
    # Given a receipt's logs in web3's shape: an ERC-20 Transfer, then the vault's SwappedExactInput
    signature = "SwappedExactInput(address,address,address,bytes,uint256,uint256,uint256,bool)"
    path = bytes.fromhex(USDC[2:]) + (500).to_bytes(3, "big") + bytes.fromhex(WETH[2:])
    logs: list[dict[str, Any]] = [
        {
            "address": USDC,
            "topics": [keccak(text="Transfer(address,address,uint256)"), _topic(VAULT), _topic(ROUTER)],
            "data": encode(["uint256"], [1_000 * 10**6]),
        },
        {
            "address": VAULT.lower(),
            "topics": [keccak(text=signature), _topic(ROUTER), _topic(USDC), _topic(WETH)],
            "data": "0x"
            + encode(
                ["bytes", "uint256", "uint256", "uint256", "bool"],
                [path, 1_000 * 10**6, 330_123_456_789_012_345, 330_000_000_000_000_000, False],
            ).hex(),
        },
    ]
    # When the amounts are read for the vault
    amounts = swap_amounts(logs, VAULT)
    # Then they are the event's amountIn and amountOut, in base units
    assert amounts is not None
    assert (amounts.amount_in, amounts.amount_out) == (1_000 * 10**6, 330_123_456_789_012_345)
    # And another contract's identical event does not count
    assert swap_amounts(logs, WETH) is None


def test_protected_rpc_urls_come_from_a_json_map_per_chain_key() -> None:
    settings = ChainSenderSettings.from_environment(
        {
            "TRADEWIND_CHAIN_TABLE": "chain-table",
            "TRADEWIND_PROTECTED_RPC_URLS": '{"ethereum": "https://rpc.flashbots.net/fast"}',
        }
    )
    assert str(settings.protected_rpc_urls["ethereum"]) == "https://rpc.flashbots.net/fast"
    assert ChainSenderSettings(chain_table="chain-table").protected_rpc_urls == {}
    with pytest.raises(ValidationError):
        ChainSenderSettings.from_environment(
            {"TRADEWIND_CHAIN_TABLE": "chain-table", "TRADEWIND_PROTECTED_RPC_URLS": '{"ethereum": "nope"}'}
        )
