"""The chain executor's part of a trade: sign, broadcast and check the vault call, one step at a time.

Each method is one Step Functions task (Sign, Broadcast, CheckConfirmation); the state machine
waits between checks with Wait states. Every step may be retried: the transaction of a trade is
persisted under the logical id ``trade:<trade_id>`` before it is sent, so a retry re-sends the same
bytes and never signs a second transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from web3.exceptions import TransactionNotFound

from tradewind.chain.reverts import RevertInfo
from tradewind.chain.sender import TransactionCheck, TransactionRequest, TransactionSender
from tradewind.chains.registry import Chain, ChainRegistry


def _error(name: str, *inputs: tuple[str, str]) -> dict[str, Any]:
    return {"type": "error", "name": name, "inputs": [{"name": n, "type": t} for n, t in inputs]}


def _swap_event(name: str, *data: tuple[str, str]) -> dict[str, Any]:
    indexed = [{"name": n, "type": "address", "indexed": True} for n in ("router", "tokenIn", "tokenOut")]
    return {
        "type": "event",
        "name": name,
        "anonymous": False,
        "inputs": indexed + [{"name": n, "type": t, "indexed": False} for n, t in data],
    }


_AMOUNTS = (("amountIn", "uint256"), ("amountOut", "uint256"))

# The parts of TradingVault's ABI a trade's receipt is read with; a test checks them against forge's artifact.
TRADING_VAULT_EXECUTION_ABI: list[dict[str, Any]] = [
    _swap_event("Swapped", *_AMOUNTS, ("quotedAmountOut", "uint256"), ("signed", "bool")),
    _swap_event(
        "SwappedExactInput", ("path", "bytes"), *_AMOUNTS, ("quotedAmountOut", "uint256"), ("signed", "bool")
    ),
    _swap_event(
        "SwappedExactOutput", ("path", "bytes"), *_AMOUNTS, ("quotedAmountIn", "uint256"), ("signed", "bool")
    ),
    _error("NotOperator", ("caller", "address")),
    _error("RouterNotAllowed", ("router", "address")),
    _error("TokenNotAllowed", ("token", "address")),
    _error("SameToken", ("token", "address")),
    _error("ZeroAmount"),
    _error("Expired", ("deadline", "uint256"), ("nowTs", "uint256")),
    _error(
        "SlippageTooHigh",
        ("minAmountOut", "uint256"),
        ("quotedAmountOut", "uint256"),
        ("maxSlippageBps", "uint256"),
    ),
    _error(
        "InputSlippageTooHigh",
        ("maxAmountIn", "uint256"),
        ("quotedAmountIn", "uint256"),
        ("maxSlippageBps", "uint256"),
    ),
    _error("InvalidPath", ("path", "bytes")),
    _error("InsufficientOutput", ("received", "uint256"), ("minAmountOut", "uint256")),
    _error("ExcessiveInput", ("spent", "uint256"), ("amountIn", "uint256")),
    _error("TradeCapExceeded", ("token", "address"), ("amount", "uint256"), ("cap", "uint256")),
    _error(
        "DailyCapExceeded",
        ("token", "address"),
        ("amount", "uint256"),
        ("spentInWindow", "uint256"),
        ("cap", "uint256"),
    ),
    _error("OwnerSignatureRequired", ("token", "address"), ("amount", "uint256"), ("threshold", "uint256")),
    _error("InvalidOwnerSignature", ("signer", "address")),
    _error("EnforcedPause"),
    _error("ReentrancyGuardReentrantCall"),
    _error("SafeERC20FailedOperation", ("token", "address")),
]


def _event_decoders() -> dict[bytes, tuple[list[str], list[str]]]:
    """topic0 -> names and types of the event's data (its non-indexed inputs), for the swap events."""
    decoders: dict[bytes, tuple[list[str], list[str]]] = {}
    for entry in TRADING_VAULT_EXECUTION_ABI:
        if entry["type"] == "event":
            signature = f"{entry['name']}({','.join(parameter['type'] for parameter in entry['inputs'])})"
            data = [parameter for parameter in entry["inputs"] if not parameter["indexed"]]
            decoders[keccak(text=signature)] = ([p["name"] for p in data], [p["type"] for p in data])
    return decoders


_SWAP_EVENTS = _event_decoders()

# Wei and token base units pass 2**53: as JSON they are decimal strings, which Step Functions keeps exact.
BaseUnits = Annotated[int, PlainSerializer(str, return_type=str, when_used="json")]


class SwapAmounts(BaseModel):
    """What the vault's swap event says was spent and received, in the tokens' base units."""

    model_config = ConfigDict(frozen=True)

    amount_in: int
    amount_out: int


class ExecutionCheck(BaseModel):
    """One look at a trade's transaction, as the CheckConfirmation state returns it (JSON-able).

    ``pending`` covers not yet mined and mined but not yet at the chain's depth (``confirmations``
    says how far); ``confirmed`` and ``reverted`` are final.
    """

    model_config = ConfigDict(frozen=True)

    status: Literal["pending", "confirmed", "reverted"]
    tx_hash: str
    confirmations: int = 0
    required_confirmations: int
    replacements: int = 0
    block: int | None = None
    gas_used: int | None = None
    effective_gas_price: BaseUnits | None = None
    gas_cost_wei: BaseUnits | None = None
    revert_reason: str | None = Field(default=None, description="the decoded error, readable")
    revert: RevertInfo | None = None
    amount_in: BaseUnits | None = Field(default=None, description="sold, from the vault's swap event")
    amount_out: BaseUnits | None = Field(default=None, description="bought, from the vault's swap event")


def logical_id(trade_id: str) -> str:
    """The sender's logical id of a trade's transaction."""
    return f"trade:{trade_id}"


def swap_amounts(logs: Sequence[Mapping[str, Any]], vault: str) -> SwapAmounts | None:
    """Amounts from the first Swapped/SwappedExactInput/SwappedExactOutput log emitted by ``vault``."""
    for log in logs:
        topics = [bytes(HexBytes(topic)) for topic in log.get("topics", [])]
        if (
            not topics
            or topics[0] not in _SWAP_EVENTS
            or str(log.get("address", "")).lower() != vault.lower()
        ):
            continue
        names, types = _SWAP_EVENTS[topics[0]]
        try:
            values = dict(zip(names, decode(types, bytes(HexBytes(log["data"]))), strict=True))
        except DecodingError:
            continue
        return SwapAmounts(amount_in=values["amountIn"], amount_out=values["amountOut"])
    return None


def revert_reason(revert: RevertInfo) -> str:
    """A readable line: the Error(string) text, or the custom error with its arguments."""
    if revert.reason is not None:
        return revert.reason
    if revert.error is not None:
        name = revert.error.split("(", 1)[0]
        return f"{name}({', '.join(str(arg) for arg in revert.args)})"
    return f"reverted without a known error (data {revert.data})"


class TradeExecution:
    """Signs, broadcasts and checks the vault call of a trade, on the trade's chain."""

    def __init__(self, chains: ChainRegistry, sender_for: Callable[[Chain], TransactionSender]) -> None:
        self._chains = chains
        self._sender_for = sender_for

    def sign(self, trade_id: str, chain: str, vault: str, calldata: str, gas: int | None = None) -> str:
        """Sign the vault call with the operator key and persist it, once; the transaction's hash."""
        request = TransactionRequest(to=vault, data=calldata, gas=gas)
        return self._sender(chain).prepare(logical_id(trade_id), request).tx_hash

    def broadcast(self, trade_id: str, chain: str) -> str:
        """Send the signed call (protected RPC when configured); a node that has it already is success."""
        return self._sender(chain).broadcast(logical_id(trade_id))

    def check(self, trade_id: str, chain: str) -> ExecutionCheck:
        """One look at the trade's transaction; a stuck one is replaced, a revert decoded."""
        sender = self._sender(chain)
        checked = sender.check(logical_id(trade_id), TRADING_VAULT_EXECUTION_ABI)
        if checked.status in ("pending", "mined"):
            return _pending(checked)
        try:
            receipt = sender.client.w3.eth.get_transaction_receipt(HexBytes(checked.tx_hash))
        except TransactionNotFound:
            # Reorged out between the two reads: the next look sees it pending.
            return _pending(checked.model_copy(update={"confirmations": 0}))
        gas_cost = (checked.gas_used or 0) * (checked.effective_gas_price or 0)
        result = ExecutionCheck(
            status="confirmed" if checked.status == "confirmed" else "reverted",
            tx_hash=checked.tx_hash,
            confirmations=checked.confirmations,
            required_confirmations=checked.required_confirmations,
            replacements=checked.replacements,
            block=checked.block_number,
            gas_used=checked.gas_used,
            effective_gas_price=checked.effective_gas_price,
            gas_cost_wei=gas_cost,
        )
        if checked.revert is not None:
            return result.model_copy(
                update={"revert": checked.revert, "revert_reason": revert_reason(checked.revert)}
            )
        amounts = swap_amounts(receipt["logs"], to_checksum_address(receipt["to"]))
        if amounts is None:
            return result
        return result.model_copy(update={"amount_in": amounts.amount_in, "amount_out": amounts.amount_out})

    def _sender(self, chain: str) -> TransactionSender:
        return self._sender_for(self._chains.get(chain))


def _pending(checked: TransactionCheck) -> ExecutionCheck:
    return ExecutionCheck(
        status="pending",
        tx_hash=checked.tx_hash,
        confirmations=checked.confirmations,
        required_confirmations=checked.required_confirmations,
        replacements=checked.replacements,
        block=checked.block_number,
    )
