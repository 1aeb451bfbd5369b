"""A web3 client per chain, over the failover pool, with the few calls the sender needs typed.

JSON-RPC errors become TransactionRejected (the node refused) and transport failures
ChainUnavailable (no node answered), each raised from the vendor error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import httpx
from hexbytes import HexBytes
from pydantic import BaseModel, ConfigDict
from web3 import Web3
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse, TxParams

from tradewind.chain.errors import ChainUnavailable, TransactionRejected
from tradewind.chain.rpc_pool import RpcPool, TransportError
from tradewind.chain.settings import RpcPoolSettings
from tradewind.chains.registry import Chain


class HttpTransport:
    """One HTTP JSON-RPC endpoint; connection pooling comes from one shared httpx client."""

    def __init__(self, url: str, http: httpx.Client) -> None:
        self.url = url
        self._http = http

    def request(self, method: str, params: Sequence[Any]) -> dict[str, Any]:
        """POST one request; anything but a JSON-RPC answer is a TransportError."""
        payload = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        try:
            response = self._http.post(self.url, json=payload)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as e:
            raise TransportError(str(e) or type(e).__name__) from e
        if not isinstance(body, dict) or ("result" not in body and "error" not in body):
            raise TransportError(f"not a JSON-RPC response: {body!r:.200}")
        return body


class PoolProvider(JSONBaseProvider):
    """web3's provider port, answered by an RpcPool."""

    def __init__(self, pool: RpcPool) -> None:
        super().__init__()
        self.pool = pool

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        """Hand the request to the pool."""
        return cast(RPCResponse, self.pool.request(method, params or []))

    def is_connected(self, show_traceback: bool = False) -> bool:
        """Whether any endpoint answers; with ``show_traceback`` the pool's error propagates."""
        try:
            return "result" in self.pool.request("eth_chainId", [])
        except ChainUnavailable:
            if show_traceback:
                raise
            return False


class Receipt(BaseModel):
    """What the sender needs from a transaction receipt."""

    model_config = ConfigDict(frozen=True)

    tx_hash: str
    block_number: int
    status: int
    gas_used: int
    effective_gas_price: int


@contextmanager
def _rejections(action: str) -> Iterator[None]:
    try:
        yield
    except ContractLogicError as e:
        raise TransactionRejected(f"{action} reverted: {e.message}", rpc_error=e.data) from e
    except Web3RPCError as e:
        raise TransactionRejected(f"{action} refused: {e.message}", rpc_error=e.rpc_response) from e


class ChainClient:
    """Typed chain calls over web3, for one chain."""

    def __init__(self, chain: Chain, w3: Web3) -> None:
        self.chain = chain
        self.w3 = w3

    def block_number(self) -> int:
        """The latest block number."""
        with _rejections("eth_blockNumber"):
            return self.w3.eth.block_number

    def pending_nonce(self, address: str) -> int:
        """How many transactions the node knows from ``address``, pending ones included."""
        with _rejections("eth_getTransactionCount"):
            return self.w3.eth.get_transaction_count(Web3.to_checksum_address(address), "pending")

    def fee_history(self, blocks: int, percentile: float) -> dict[str, Any]:
        """Raw ``eth_feeHistory`` for the last ``blocks`` blocks at one reward percentile."""
        with _rejections("eth_feeHistory"):
            history = self.w3.eth.fee_history(blocks, "latest", [percentile])
        return dict(history)

    def estimate_gas(self, tx: TxParams) -> int:
        """Gas the transaction needs; a revert here is TransactionRejected with the revert data."""
        with _rejections("eth_estimateGas"):
            return self.w3.eth.estimate_gas(tx)

    def send_raw(self, raw: bytes) -> str:
        """Broadcast signed bytes; the hash as 0x-hex."""
        with _rejections("eth_sendRawTransaction"):
            return self.w3.eth.send_raw_transaction(raw).to_0x_hex()

    def is_known(self, tx_hash: str) -> bool:
        """Whether the node has the transaction, pending or mined."""
        try:
            self.w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return False
        return True

    def receipt(self, tx_hash: str) -> Receipt | None:
        """The receipt once mined, else None."""
        try:
            receipt = self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None
        return Receipt(
            tx_hash=HexBytes(receipt["transactionHash"]).to_0x_hex(),
            block_number=receipt["blockNumber"],
            status=receipt["status"],
            gas_used=receipt["gasUsed"],
            effective_gas_price=receipt["effectiveGasPrice"],
        )

    def revert_data(self, tx: TxParams, block_number: int) -> bytes | None:
        """Replay a mined transaction as a call on its block's parent state to get its revert data.

        An approximation: transactions earlier in the same block are not replayed first.
        """
        try:
            self.w3.eth.call(tx, max(block_number - 1, 0))
        except ContractLogicError as e:
            return bytes(HexBytes(e.data)) if isinstance(e.data, str) else b""
        except Web3RPCError:
            return None
        return None


def connect(chain: Chain, settings: RpcPoolSettings) -> ChainClient:
    """A client for ``chain`` over its RPC URLs in failover order."""
    http = httpx.Client(timeout=settings.rpc_timeout_s)
    pool = RpcPool(chain.key, [HttpTransport(str(url), http) for url in chain.rpc_urls], settings)
    return ChainClient(chain, Web3(PoolProvider(pool), middleware=[]))
