"""Uniswap V3 liquidity positions, read through the NonfungiblePositionManager (NPM) in fixed rounds.

The holdings' own aggregate3 also asks ``NPM.balanceOf`` of each owner (``count_calls``). Only
when some owner holds positions do three more rounds follow, each one JSON-RPC batch pinned to the
holdings' block, whatever the number of owners and positions:

1. ``tokenOfOwnerByIndex(owner, i)`` of every position, in aggregate3 (``index_calls``);
2. ``positions(tokenId)`` of each, in aggregate3: its tokens, fee, ticks and liquidity;
3. the pools' ``slot0()`` and the ``decimals()`` of tokens the manifest does not list, in
   aggregate3 (``detail_calls``), and per owner an eth_call *from the owner* of ``NPM.multicall``
   closing each of its positions: ``decreaseLiquidity`` of all the liquidity, then ``collect``
   of everything owed (``closing_calldata``).

So the chain itself computes what closing a position now would return: decreaseLiquidity answers
the tokens its liquidity is worth at the pool's current price, and collect, after it, those plus
the uncollected fees; the fees are the difference. A position without liquidity is only
collected: all it holds is fees. Only the owner (or an approved address) may do either, hence the
eth_call's sender; and decreaseLiquidity needs the liquidity that ``positions`` answers, hence
rounds 2 and 3 cannot be one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError

from tradewind.crypto.keccak import keccak256
from tradewind.deployments.manifest import DeploymentManifest
from tradewind.holdings.models import LiquidityPosition, LiquidityToken, to_units
from tradewind.holdings.multicall import Call, Result, function_call, selector
from tradewind.wallets.addresses import to_checksum_address

_MAX_UINT128 = 2**128 - 1
_MAX_UINT256 = 2**256 - 1
# PoolAddress.POOL_INIT_CODE_HASH: the NPM finds each pool by CREATE2 with this hash compiled in,
# so for any NPM built from Uniswap's code the pools of its positions are at these addresses.
_POOL_INIT_CODE_HASH = bytes.fromhex("e34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54")
_POSITION = [
    "uint96",  # nonce
    "address",  # operator
    "address",  # token0
    "address",  # token1
    "uint24",  # fee
    "int24",  # tickLower
    "int24",  # tickUpper
    "uint128",  # liquidity
    "uint256",  # feeGrowthInside0LastX128
    "uint256",  # feeGrowthInside1LastX128
    "uint128",  # tokensOwed0
    "uint128",  # tokensOwed1
]
_DECREASE = "(uint256,uint128,uint256,uint256,uint256)"
_COLLECT = "(uint256,address,uint128,uint128)"
# ERC-20's decimals is a uint8; anything larger is not a token's answer.
_MAX_DECIMALS = 255


@dataclass(frozen=True)
class PositionState:
    """A position as ``positions(tokenId)`` describes it, with the address of its pool."""

    token_id: int
    token0: str
    token1: str
    fee: int
    tick_lower: int
    tick_upper: int
    liquidity: int
    pool: str


@dataclass(frozen=True)
class Closing:
    """What closing a position now returns, per token: its liquidity's worth, and that plus the fees."""

    decreased: tuple[int, int]
    collected: tuple[int, int]


@dataclass(frozen=True)
class Details:
    """The pools and the unlisted tokens of some positions, in the order ``detail_calls`` asks them."""

    pools: tuple[str, ...]
    tokens: tuple[str, ...]


def count_calls(manifest: DeploymentManifest, owners: Sequence[str]) -> list[Call]:
    """``NPM.balanceOf(owner)`` of each owner: how many positions each holds."""
    npm = manifest.uniswap_v3.position_manager
    return [function_call(npm, "balanceOf", ["address"], [owner]) for owner in owners]


def index_calls(manifest: DeploymentManifest, counts: Mapping[str, int]) -> list[Call]:
    """``tokenOfOwnerByIndex(owner, i)`` for each owner and each i below its count, owner by owner."""
    npm = manifest.uniswap_v3.position_manager
    return [
        function_call(npm, "tokenOfOwnerByIndex", ["address", "uint256"], [owner, index])
        for owner, count in counts.items()
        for index in range(count)
    ]


def decode_token_ids(
    counts: Mapping[str, int], results: Sequence[Result]
) -> dict[str, tuple[tuple[int, ...], bool]]:
    """Per owner, the token ids of ``index_calls(counts)`` that were read, and whether all of them were."""
    if len(results) != sum(counts.values()):
        raise ValueError(f"expected {sum(counts.values())} token ids, got {len(results)}")
    walk = iter(results)
    token_ids: dict[str, tuple[tuple[int, ...], bool]] = {}
    for owner, count in counts.items():
        read = [next(walk).uint() for _ in range(count)]
        token_ids[owner] = (tuple(i for i in read if i is not None), None not in read)
    return token_ids


def position_calls(manifest: DeploymentManifest, token_ids: Iterable[int]) -> list[Call]:
    """``positions(tokenId)`` of each token id."""
    npm = manifest.uniswap_v3.position_manager
    return [function_call(npm, "positions", ["uint256"], [token_id]) for token_id in token_ids]


def decode_position(manifest: DeploymentManifest, token_id: int, result: Result) -> PositionState | None:
    """The position ``positions(token_id)`` answered; None when the call failed or answered something else."""
    if not result.success:
        return None
    try:
        _, _, token0, token1, fee, lower, upper, liquidity, *_ = decode(_POSITION, result.data)
    except DecodingError:
        return None
    return PositionState(
        token_id=token_id,
        token0=to_checksum_address(token0),
        token1=to_checksum_address(token1),
        fee=fee,
        tick_lower=lower,
        tick_upper=upper,
        liquidity=liquidity,
        pool=pool_address(manifest.uniswap_v3.factory, token0, token1, fee),
    )


def pool_address(factory: str, token0: str, token1: str, fee: int) -> str:
    """The address of the ``token0``/``token1`` pool at ``fee``: CREATE2, as the NPM finds it."""
    salt = keccak256(encode(["address", "address", "uint24"], [token0, token1, fee]))
    digest = keccak256(b"\xff" + bytes.fromhex(factory.removeprefix("0x")) + salt + _POOL_INIT_CODE_HASH)
    return to_checksum_address("0x" + digest[12:].hex())


def details_of(manifest: DeploymentManifest, states: Iterable[PositionState]) -> Details:
    """The distinct pools of ``states`` and their tokens the manifest does not list, first seen first."""
    listed = {token.address.lower() for token in manifest.tokens}
    pools: dict[str, None] = {}
    tokens: dict[str, None] = {}
    for state in states:
        pools[state.pool] = None
        for token in (state.token0, state.token1):
            if token.lower() not in listed:
                tokens[token] = None
    return Details(pools=tuple(pools), tokens=tuple(tokens))


def detail_calls(details: Details) -> list[Call]:
    """Each pool's ``slot0()``, then each unlisted token's ``decimals()``."""
    return [function_call(pool, "slot0") for pool in details.pools] + [
        function_call(token, "decimals") for token in details.tokens
    ]


def decode_details(
    details: Details, results: Sequence[Result]
) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """The current tick of each pool and the decimals of each unlisted token; None where a call failed."""
    if len(results) != len(details.pools) + len(details.tokens):
        raise ValueError(f"expected {len(details.pools) + len(details.tokens)} results, got {len(results)}")
    split = len(details.pools)
    ticks = {pool: _tick(result) for pool, result in zip(details.pools, results[:split], strict=True)}
    decimals = {
        token: _decimals(result) for token, result in zip(details.tokens, results[split:], strict=True)
    }
    return ticks, decimals


def closing_calldata(owner: str, states: Sequence[PositionState]) -> bytes:
    """``NPM.multicall`` closing each position: all its liquidity (if any) decreased, everything collected."""
    calls: list[bytes] = []
    for state in states:
        if state.liquidity:
            # No minimum amounts and no deadline to speak of: nothing is sent, the call is only simulated.
            decrease = (state.token_id, state.liquidity, 0, 0, _MAX_UINT256)
            calls.append(selector(f"decreaseLiquidity({_DECREASE})") + encode([_DECREASE], [decrease]))
        collect = (state.token_id, owner, _MAX_UINT128, _MAX_UINT128)
        calls.append(selector(f"collect({_COLLECT})") + encode([_COLLECT], [collect]))
    return selector("multicall(bytes[])") + encode(["bytes[]"], [calls])


def decode_closing(data: bytes, states: Sequence[PositionState]) -> list[Closing]:
    """What each position of ``closing_calldata(owner, states)`` returned.

    Raises ValueError or eth_abi's DecodingError when ``data`` is not such an answer.
    """
    (answers,) = decode(["bytes[]"], data)
    expected = sum(2 if state.liquidity else 1 for state in states)
    if len(answers) != expected:
        raise ValueError(f"the closing multicall answered {len(answers)} results, not {expected}")
    walk = iter(answers)
    closings = []
    for state in states:
        decreased = _amounts(next(walk)) if state.liquidity else (0, 0)
        closings.append(Closing(decreased=decreased, collected=_amounts(next(walk))))
    return closings


def liquidity_position(
    manifest: DeploymentManifest,
    state: PositionState,
    closing: Closing,
    tick: int | None,
    decimals: Mapping[str, int | None],
) -> LiquidityPosition | None:
    """The position in token units; None when a token's decimals are unknown (its amounts mean nothing)."""
    sides = []
    for index, address in enumerate((state.token0, state.token1)):
        amount, total = closing.decreased[index], closing.collected[index]
        side = _token(manifest, address, amount, total - amount, decimals)
        if side is None:
            return None
        sides.append(side)
    token0, token1 = sides
    return LiquidityPosition(
        token_id=state.token_id,
        pool=state.pool,
        fee=state.fee,
        tick_lower=state.tick_lower,
        tick_upper=state.tick_upper,
        tick=tick,
        in_range=None if tick is None else state.tick_lower <= tick < state.tick_upper,
        liquidity=state.liquidity,
        token0=token0,
        token1=token1,
    )


def _token(
    manifest: DeploymentManifest, address: str, amount: int, fees: int, decimals: Mapping[str, int | None]
) -> LiquidityToken | None:
    listed = next((t for t in manifest.tokens if t.address.lower() == address.lower()), None)
    symbol, places = (listed.symbol, listed.decimals) if listed else (address, decimals.get(address))
    if places is None:
        return None
    return LiquidityToken(
        symbol=symbol,
        address=address,
        decimals=places,
        amount=to_units(amount, places),
        amount_raw=amount,
        fees=to_units(fees, places),
        fees_raw=fees,
    )


def _amounts(data: bytes) -> tuple[int, int]:
    amount0, amount1 = decode(["uint256", "uint256"], data)
    return amount0, amount1


def _tick(result: Result) -> int | None:
    """The tick of a ``slot0()`` answer (its second word, an int24); None if there is no such answer."""
    if not result.success:
        return None
    try:
        _, tick = decode(["uint160", "int24"], result.data[:64])
    except DecodingError:
        return None
    return int(tick)


def _decimals(result: Result) -> int | None:
    places = result.uint()
    return places if places is not None and places <= _MAX_DECIMALS else None
