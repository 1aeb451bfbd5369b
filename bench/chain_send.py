"""The chain sender on the local cloud: KMS vs local-key send latency, one key's throughput, signing alone."""

from __future__ import annotations

import secrets
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys.main import KeyAPI
from eth_typing import Hash32
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from bench.api_latency import Deadline
from localcloud import LocalCloud
from tradewind.chain.kms_signer import KmsSigner, ethereum_signature
from tradewind.chain.sender import TransactionRequest, TransactionSender, build_sender
from tradewind.chain.settings import ChainSenderSettings
from tradewind.chains.registry import KNOWN_CHAINS, Chain

TIME_LIMIT_S = 90.0
WARMUP = 5
SEQUENTIAL = 100
CONCURRENT_TOTAL = 100
WORKERS = 4
DIGESTS = 200
LATENCY_CHAIN = "local-l1"
THROUGHPUT_CHAIN = "local-l2"  # the KMS key has sent nothing there, so its nonces start at 0
RECIPIENT = "0x000000000000000000000000000000000000dEaD"
FUNDS_WEI = 1000 * 10**18
# With automine the receipt exists as soon as eth_sendRawTransaction returns; a short poll interval
# keeps a rare miss from adding the production default of 1 s to one sample.
POLL_INTERVAL_S = 0.01
_RPC_TIMEOUT_S = 5.0

T = TypeVar("T")


class LocalKeySigner:
    """The sender's signer interface over an eth-account ``LocalAccount``: the key lives in memory."""

    def __init__(self, account: LocalAccount) -> None:
        self._account = account

    @property
    def address(self) -> str:
        """The account's checksummed address."""
        return str(self._account.address)

    def sign_transaction(self, tx: dict[str, Any]) -> bytes:
        """Sign with eth-account; the same type-2 envelope ``KmsSigner`` produces."""
        return bytes(self._account.sign_transaction(tx).raw_transaction)


class Percentiles(BaseModel):
    """Latency of one measured operation, in milliseconds."""

    model_config = ConfigDict(frozen=True)

    label: str
    planned: int = Field(gt=0)
    samples: int
    failures: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float

    @property
    def truncated(self) -> bool:
        """Whether the time limit cut the run short."""
        return self.samples + self.failures < self.planned


class Throughput(BaseModel):
    """Concurrent sends from one key, and how the key's nonces were used."""

    model_config = ConfigDict(frozen=True)

    workers: int
    planned: int
    confirmed: int
    failures: dict[str, int]
    wall_s: float
    tx_per_s: float
    first_nonce: int
    nonces_once_on_chain: int
    duplicate_nonces: int
    missing_nonces: int
    nonces_match_results: bool
    per_send: Percentiles


class Signing(BaseModel):
    """Signing alone: the KMS call, KmsSigner's work around it, and the local-key equivalents."""

    model_config = ConfigDict(frozen=True)

    kms_call: Percentiles
    kms_sign_digest: Percentiles
    der_to_vrs: Percentiles
    local_sign_hash: Percentiles
    kms_sign_tx: Percentiles
    local_sign_tx: Percentiles
    backend: str

    def rows(self) -> list[Percentiles]:
        """In print order."""
        return [
            self.kms_call,
            self.kms_sign_digest,
            self.der_to_vrs,
            self.local_sign_hash,
            self.kms_sign_tx,
            self.local_sign_tx,
        ]


class ChainSendReport(BaseModel):
    """Everything the section prints."""

    model_config = ConfigDict(frozen=True)

    sends: list[Percentiles]
    signing: Signing
    throughput: Throughput
    elapsed_s: float


def percentiles(label: str, planned: int, seconds: list[float], failures: int = 0) -> Percentiles:
    """p50/p99 (inclusive quantiles, as the API section) over the samples."""
    millis = sorted(value * 1000 for value in seconds) or [0.0]
    p99 = statistics.quantiles(millis, n=100, method="inclusive")[98] if len(millis) > 1 else millis[0]
    return Percentiles(
        label=label,
        planned=planned,
        samples=len(seconds),
        failures=failures,
        p50_ms=round(statistics.median(millis), 2),
        p99_ms=round(p99, 2),
        mean_ms=round(statistics.fmean(millis), 2),
        max_ms=round(millis[-1], 2),
    )


def _rpc(url: str, method: str, *params: Any) -> Any:
    """One JSON-RPC call straight to the node (funding and verification, not the sender's path)."""
    payload = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    body = httpx.post(url, json=payload, timeout=_RPC_TIMEOUT_S).json()
    if "error" in body:
        raise RuntimeError(f"{method}: {body['error']}")
    return body["result"]


def _chain(cloud: LocalCloud, key: str) -> Chain:
    """The registry's chain, pointed at the local cloud's anvil node."""
    local = next(chain for chain in cloud.chains if chain.key == key)
    known = next(chain for chain in KNOWN_CHAINS if chain.key == key)
    return known.model_copy(update={"rpc_urls": (HttpUrl(local.rpc_url),)})


def _url(chain: Chain) -> str:
    return chain.rpc_urls[0].unicode_string()


def _settings(cloud: LocalCloud) -> ChainSenderSettings:
    return ChainSenderSettings(
        chain_table=cloud.deployment.outputs["ChainTableName"],
        poll_interval_s=POLL_INTERVAL_S,
        confirmation_timeout_s=30.0,
    )


def _timed_send(sender: TransactionSender, logical_id: str) -> float | str:
    """Seconds from ``send()`` to the confirmed receipt, or the name of what went wrong."""
    began = time.perf_counter()
    try:
        sent = sender.send(logical_id, TransactionRequest(to=RECIPIENT, value=1))
    except Exception as e:  # a failure is a figure to report, not a reason to stop the bench
        return type(e).__name__
    elapsed = time.perf_counter() - began
    return elapsed if sent.status == 1 else "reverted"


def measure_sends(senders: dict[str, TransactionSender], deadline: Deadline, run: str) -> list[Percentiles]:
    """Warm up each sender, then alternate them send by send so drift hits both alike."""
    for name, sender in senders.items():
        for index in range(WARMUP):
            _timed_send(sender, f"{run}-{name}-warm-{index}")
    seconds: dict[str, list[float]] = {name: [] for name in senders}
    failures: Counter[str] = Counter()
    for index in range(SEQUENTIAL):
        if deadline.passed:
            break
        for name, sender in senders.items():
            outcome = _timed_send(sender, f"{run}-{name}-{index}")
            if isinstance(outcome, float):
                seconds[name].append(outcome)
            else:
                failures[name] += 1
    return [percentiles(name, SEQUENTIAL, seconds[name], failures[name]) for name in senders]


def _time_each(
    label: str, inputs: list[T], deadline: Deadline, operation: Callable[[T], object]
) -> Percentiles:
    """Call ``operation`` once per input, timing each call."""
    seconds: list[float] = []
    for value in inputs:
        if deadline.passed:
            break
        began = time.perf_counter()
        operation(value)
        seconds.append(time.perf_counter() - began)
    return percentiles(label, len(inputs), seconds)


def _digests(count: int) -> list[bytes]:
    return [secrets.token_bytes(32) for _ in range(count)]


def _sample_tx(chain: Chain) -> dict[str, Any]:
    """An unsigned type-2 transfer, without its nonce (each signing derives one from its digest)."""
    return {
        "type": 2,
        "chainId": chain.chain_id,
        "to": RECIPIENT,
        "value": 1,
        "data": "0x",
        "gas": 21_000,
        "maxFeePerGas": 2 * 10**9,
        "maxPriorityFeePerGas": 1,
    }


def measure_signing(
    kms: Any, kms_signer: KmsSigner, account: LocalAccount, chain: Chain, deadline: Deadline
) -> Signing:
    """The KMS call alone, what KmsSigner adds around it, and eth-account's local equivalents."""
    key_id = kms_signer.key_id
    tx = _sample_tx(chain)
    local = LocalKeySigner(account)

    def tx_with_nonce(digest: bytes) -> dict[str, Any]:
        return {**tx, "nonce": int.from_bytes(digest[:4], "big")}

    def kms_sign(digest: bytes) -> bytes:
        answer = kms.sign(
            KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256"
        )
        return bytes(answer["Signature"])

    cases: dict[str, tuple[str, Callable[[bytes], object]]] = {
        "kms_call": ("KMS Sign call (boto3 -> moto, DER out)", kms_sign),
        "kms_sign_digest": ("KmsSigner.sign_digest (call + v, r, low s)", kms_signer.sign_digest),
        "local_sign_hash": (
            "eth-account unsafe_sign_hash (local key)",
            lambda digest: account.unsafe_sign_hash(Hash32(digest)),
        ),
        "kms_sign_tx": (
            "KmsSigner.sign_transaction (type 2)",
            lambda digest: kms_signer.sign_transaction(tx_with_nonce(digest)),
        ),
        "local_sign_tx": (
            "LocalKeySigner.sign_transaction (type 2)",
            lambda digest: local.sign_transaction(tx_with_nonce(digest)),
        ),
    }
    for _, operation in cases.values():  # warm-up: connections, lazy address, code paths
        for digest in _digests(WARMUP):
            operation(digest)
    timed = {
        name: _time_each(label, _digests(DIGESTS), deadline, operation)
        for name, (label, operation) in cases.items()
    }
    # KmsSigner's own work after the call (DER decode, low s, recovery id search), on pre-made signatures.
    signed = [(digest, kms_sign(digest)) for digest in _digests(DIGESTS) if not deadline.passed]
    address = kms_signer.address
    der_to_vrs = _time_each(
        "  of which v, r, low s from DER (no KMS)",
        signed,
        deadline,
        lambda pair: ethereum_signature(pair[1], pair[0], address),
    )
    return Signing(der_to_vrs=der_to_vrs, backend=type(KeyAPI().backend).__name__, **timed)


class _Tally:
    """What the worker threads report: each send's seconds and nonce, and failures by kind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds: list[float] = []
        self.nonces: list[int] = []
        self.failures: Counter[str] = Counter()

    def sent(self, seconds: float, nonce: int) -> None:
        with self._lock:
            self.seconds.append(seconds)
            self.nonces.append(nonce)

    def failed(self, kind: str) -> None:
        with self._lock:
            self.failures[kind] += 1


def _worker(sender: TransactionSender, logical_ids: list[str], deadline: Deadline, tally: _Tally) -> None:
    """Send each logical id in turn, like one Lambda invocation after another."""
    for logical_id in logical_ids:
        if deadline.passed:
            return
        began = time.perf_counter()
        try:
            sent = sender.send(logical_id, TransactionRequest(to=RECIPIENT, value=1))
        except Exception as e:  # counted and reported; the other workers carry on
            tally.failed(type(e).__name__)
            continue
        tally.sent(time.perf_counter() - began, sent.nonce)


def _nonces_on_chain(url: str, address: str, after_block: int) -> list[int]:
    """Nonces of every transaction from ``address`` mined after ``after_block``."""
    nonces: list[int] = []
    latest = int(_rpc(url, "eth_blockNumber"), 16)
    for number in range(after_block + 1, latest + 1):
        block = _rpc(url, "eth_getBlockByNumber", hex(number), True)
        nonces += [int(tx["nonce"], 16) for tx in block["transactions"] if tx["from"] == address.lower()]
    return nonces


def _run_workers(
    senders: list[TransactionSender], share: int, deadline: Deadline, run: str
) -> tuple[_Tally, float]:
    """One thread per sender, ``share`` sends each, all started together; the tally and wall seconds."""
    tally = _Tally()
    threads = [
        threading.Thread(
            target=_worker,
            args=(sender, [f"{run}-tps-{w}-{i}" for i in range(share)], deadline, tally),
            name=f"bench-sender-{w}",
        )
        for w, sender in enumerate(senders)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.perf_counter() - began


def measure_throughput(
    senders: list[TransactionSender], chain: Chain, address: str, deadline: Deadline, run: str
) -> Throughput:
    """``CONCURRENT_TOTAL`` sends split over one thread per sender, all sharing the key's nonce counter."""
    url = _url(chain)
    first_nonce = int(_rpc(url, "eth_getTransactionCount", address, "pending"), 16)
    start_block = int(_rpc(url, "eth_blockNumber"), 16)
    share = CONCURRENT_TOTAL // len(senders)
    tally, wall_s = _run_workers(senders, share, deadline, run)
    on_chain = Counter(_nonces_on_chain(url, address, start_block))
    expected = range(first_nonce, first_nonce + len(tally.nonces))
    planned = share * len(senders)
    return Throughput(
        workers=len(senders),
        planned=planned,
        confirmed=len(tally.nonces),
        failures=dict(tally.failures),
        wall_s=round(wall_s, 2),
        tx_per_s=round(len(tally.nonces) / wall_s, 1) if wall_s > 0 else 0.0,
        first_nonce=first_nonce,
        nonces_once_on_chain=sum(1 for nonce in expected if on_chain[nonce] == 1),
        duplicate_nonces=sum(count - 1 for count in on_chain.values() if count > 1),
        missing_nonces=sum(1 for nonce in expected if on_chain[nonce] == 0),
        nonces_match_results=sorted(tally.nonces) == list(expected),
        per_send=percentiles(f"send, {len(senders)} workers", planned, tally.seconds, tally.failures.total()),
    )


def measure(cloud: LocalCloud) -> ChainSendReport:
    """Fund both keys, then run the three measurements under one time limit."""
    began = time.monotonic()
    deadline = Deadline(TIME_LIMIT_S)
    settings = _settings(cloud)
    key_id = cloud.deployment.outputs["SignerKeyId"]
    kms_signer = KmsSigner(cloud.aws.client("kms"), key_id)
    account: LocalAccount = Account.create()  # throwaway key, this run only
    latency_chain, throughput_chain = _chain(cloud, LATENCY_CHAIN), _chain(cloud, THROUGHPUT_CHAIN)
    for chain in (latency_chain, throughput_chain):
        for address in (kms_signer.address, account.address):
            _rpc(_url(chain), "anvil_setBalance", address, hex(FUNDS_WEI))
    run = secrets.token_hex(4)
    local_signer = LocalKeySigner(account)
    sends = measure_sends(
        {
            "KMS key (KmsSigner)": build_sender(latency_chain, kms_signer, settings),
            "local key (LocalKeySigner)": build_sender(latency_chain, local_signer, settings),
        },
        deadline,
        run,
    )
    signing = measure_signing(cloud.aws.client("kms"), kms_signer, account, latency_chain, deadline)
    # One KMS client and one chain client per worker, as separate Lambda invocations would have;
    # boto3 clients are created here because creating them is not thread-safe.
    workers = [
        build_sender(throughput_chain, KmsSigner(cloud.aws.client("kms"), key_id), settings)
        for _ in range(WORKERS)
    ]
    throughput = measure_throughput(workers, throughput_chain, kms_signer.address, deadline, run)
    return ChainSendReport(
        sends=sends, signing=signing, throughput=throughput, elapsed_s=round(time.monotonic() - began, 1)
    )


def _line(figures: Percentiles) -> str:
    failed = f"  failures {figures.failures}" if figures.failures else ""
    cut = "  (TRUNCATED by the time limit)" if figures.truncated else ""
    return (
        f"  {figures.label:<44} n={figures.samples:<4} p50 {figures.p50_ms:7.2f} ms  "
        f"p99 {figures.p99_ms:7.2f} ms  max {figures.max_ms:7.2f} ms{failed}{cut}"
    )


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}x" if denominator > 0 else "n/a"


def _print_sends(sends: list[Percentiles]) -> None:
    print(f"\n  Send and confirm, sequential, {LATENCY_CHAIN} (automine), {WARMUP} warm-up sends each not")
    print("  counted, the two keys alternating send by send; timed from send() to the confirmed receipt:")
    for figures in sends:
        print(_line(figures))
    kms, local = sends
    p50, p99 = _ratio(kms.p50_ms, local.p50_ms), _ratio(kms.p99_ms, local.p99_ms)
    print(f"    KMS / local key p50: {p50}   p99: {p99}")
    print(f"    KMS - local key p50: {kms.p50_ms - local.p50_ms:+.2f} ms per send")


def _print_signing(signing: Signing) -> None:
    print(f"\n  Signing alone, sequential, {DIGESTS} random digests each ({WARMUP} warm-up not counted);")
    native = " (pure Python; coincurve, in C, when installed)" if "Native" in signing.backend else ""
    print(f"  eth-keys backend: {signing.backend}{native}:")
    for figures in signing.rows():
        print(_line(figures))
    kms_tx, local_tx = signing.kms_sign_tx, signing.local_sign_tx
    print(
        f"    KmsSigner / LocalKeySigner sign_transaction p50: {_ratio(kms_tx.p50_ms, local_tx.p50_ms)} "
        f"({kms_tx.p50_ms - local_tx.p50_ms:+.2f} ms)"
    )
    print(
        f"    means (they add up): KmsSigner.sign_digest {signing.kms_sign_digest.mean_ms:.2f} ms = KMS call "
        f"{signing.kms_call.mean_ms:.2f} ms + v, r, low s {signing.der_to_vrs.mean_ms:.2f} ms, rest "
        f"{signing.kms_sign_digest.mean_ms - signing.kms_call.mean_ms - signing.der_to_vrs.mean_ms:+.2f} ms"
    )
    print("    (finding v recovers the public key once or twice, on the eth-keys backend above: bimodal)")


def _print_throughput(figures: Throughput) -> None:
    print(f"\n  Throughput from one KMS key, {THROUGHPUT_CHAIN} (automine): {figures.workers} threads, one")
    print("  sender each (own KMS and RPC clients), sharing the key's DynamoDB nonce counter; no warm-up:")
    failed = f"  failures {figures.failures}" if figures.failures else ""
    print(
        f"    {figures.confirmed}/{figures.planned} confirmed in {figures.wall_s:.2f} s -> "
        f"{figures.tx_per_s:.1f} tx/s{failed}"
    )
    print(_line(figures.per_send))
    last = figures.first_nonce + figures.confirmed - 1
    verdict = (
        "OK"
        if figures.nonces_once_on_chain == figures.confirmed
        and figures.duplicate_nonces == 0
        and figures.nonces_match_results
        else "FAIL"
    )
    print(
        f"    nonces {figures.first_nonce}..{last}: {figures.nonces_once_on_chain}/{figures.confirmed} mined "
        f"exactly once, {figures.duplicate_nonces} duplicates, {figures.missing_nonces} missing, "
        f"results agree with the chain: {figures.nonces_match_results} -> {verdict}"
    )


def report(cloud: LocalCloud) -> None:
    """Measure and print the chain sender section."""
    print(f"\n== Chain sender on the local cloud (anvil + moto), hard limit {TIME_LIMIT_S:.0f} s")
    print("   one TransactionSender code path for both keys: fee history, gas estimate, DynamoDB nonce")
    print("   reservation and transaction record, sign, eth_sendRawTransaction, receipt polling")
    print(f"   (poll interval {POLL_INTERVAL_S * 1000:.0f} ms); simple 1-wei ETH transfers.")
    print("   NOTE: moto's KMS runs in this process (boto3 -> loopback HTTP -> moto thread, one GIL); on")
    print("   AWS a KMS Sign is a network round trip, typically several ms: not measured here. anvil mines")
    print("   each transaction at once; a real chain adds its block time to every confirmation.")
    figures = measure(cloud)
    _print_sends(figures.sends)
    _print_signing(figures.signing)
    _print_throughput(figures.throughput)
    sequential = figures.sends[0]
    if sequential.mean_ms > 0:
        print(
            f"    one sender in sequence (KMS key, above): {1000 / sequential.mean_ms:.1f} tx/s "
            f"(1000 / mean {sequential.mean_ms:.2f} ms)"
        )
    print(f"\n  section took {figures.elapsed_s:.1f} s")
