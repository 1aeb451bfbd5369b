"""Uniswap V3 positions, pure: the calls asked of the position manager and how their answers decode."""

from __future__ import annotations

import pytest
from eth_abi.abi import decode, encode

from tests.unit.manifests import placeholder, sample_manifest
from tradewind.deployments.manifest import DeploymentManifest, TokenEntry
from tradewind.holdings.liquidity import (
    Closing,
    PositionState,
    closing_calldata,
    decode_closing,
    decode_details,
    decode_position,
    decode_token_ids,
    detail_calls,
    details_of,
    liquidity_position,
    pool_address,
)
from tradewind.holdings.multicall import Result, selector
from tradewind.wallets.addresses import to_checksum_address

OWNER = to_checksum_address("0x" + "a1" * 20)
USDC, DAI = to_checksum_address(placeholder("7")), to_checksum_address(placeholder("8"))
UNLISTED = to_checksum_address(placeholder("e"))
MANIFEST: DeploymentManifest = sample_manifest(
    (
        TokenEntry(symbol="USDC", name="USD Coin", decimals=6, address=USDC),
        TokenEntry(symbol="DAI", name="Dai", decimals=18, address=DAI),
    ),
    vault_defaults=None,
)
POSITION_TYPES = [
    "uint96",
    "address",
    "address",
    "address",
    "uint24",
    "int24",
    "int24",
    "uint128",
    "uint256",
    "uint256",
    "uint128",
    "uint128",
]
DECREASE = "(uint256,uint128,uint256,uint256,uint256)"
COLLECT = "(uint256,address,uint128,uint128)"


def _state(token_id: int, liquidity: int, token0: str = USDC, token1: str = DAI) -> PositionState:
    return PositionState(
        token_id=token_id,
        token0=token0,
        token1=token1,
        fee=100,
        tick_lower=-10,
        tick_upper=10,
        liquidity=liquidity,
        pool=pool_address(MANIFEST.uniswap_v3.factory, token0, token1, 100),
    )


def _words(*pairs: tuple[int, int]) -> bytes:
    """What NPM.multicall answers: each call's return data, here pairs of uint256."""
    return encode(["bytes[]"], [[encode(["uint256", "uint256"], list(pair)) for pair in pairs]])


def test_the_pool_address_is_the_one_uniswap_deployed_on_mainnet() -> None:
    # Given Uniswap's mainnet factory and the USDC/WETH pair at 0.05 %
    factory = "0x1F98431c8aD98523631AE4a59f267346ea31F984"
    usdc, weth = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
    # When its address is derived, Then it is the pool everyone trades on
    assert pool_address(factory, usdc, weth, 500) == "0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640"


def test_a_positions_answer_decodes_with_signed_ticks_and_its_pool() -> None:
    answer = encode(POSITION_TYPES, [0, placeholder("0"), USDC, DAI, 100, -887272, 60, 10**15, 1, 2, 3, 4])
    state = decode_position(MANIFEST, 42, Result(success=True, data=answer))
    assert state == PositionState(
        token_id=42,
        token0=USDC,
        token1=DAI,
        fee=100,
        tick_lower=-887272,
        tick_upper=60,
        liquidity=10**15,
        pool=pool_address(MANIFEST.uniswap_v3.factory, USDC, DAI, 100),
    )


@pytest.mark.parametrize("result", [Result(success=False, data=b""), Result(success=True, data=b"")])
def test_a_failed_or_empty_positions_answer_is_no_position(result: Result) -> None:
    assert decode_position(MANIFEST, 42, result) is None


def test_token_ids_are_split_per_owner_and_a_failed_index_makes_the_list_incomplete() -> None:
    other = to_checksum_address("0x" + "b2" * 20)
    results = [
        Result(True, encode(["uint256"], [7])),
        Result(False, b""),
        Result(True, encode(["uint256"], [9])),
    ]
    assert decode_token_ids({OWNER: 2, other: 1}, results) == {OWNER: ((7,), False), other: ((9,), True)}


def test_closing_decreases_all_liquidity_then_collects_everything_to_the_owner() -> None:
    # Given a position with liquidity and one without
    states = [_state(1, 5_000), _state(2, 0)]
    # When the closing multicall is built
    data = closing_calldata(OWNER, states)
    # Then it is NPM.multicall of decreaseLiquidity(all) + collect(max), collect only without liquidity
    assert data[:4] == selector("multicall(bytes[])")
    (calls,) = decode(["bytes[]"], data[4:])
    assert [call[:4] for call in calls] == [
        selector(f"decreaseLiquidity({DECREASE})"),
        selector(f"collect({COLLECT})"),
        selector(f"collect({COLLECT})"),
    ]
    assert decode([DECREASE], calls[0][4:]) == ((1, 5_000, 0, 0, 2**256 - 1),)
    assert decode([COLLECT], calls[1][4:]) == ((1, OWNER.lower(), 2**128 - 1, 2**128 - 1),)
    assert decode([COLLECT], calls[2][4:]) == ((2, OWNER.lower(), 2**128 - 1, 2**128 - 1),)


def test_closing_answers_decode_per_position_and_a_short_answer_is_refused() -> None:
    states = [_state(1, 5_000), _state(2, 0)]
    answer = _words((10, 20), (11, 25), (3, 0))
    assert decode_closing(answer, states) == [
        Closing(decreased=(10, 20), collected=(11, 25)),
        Closing(decreased=(0, 0), collected=(3, 0)),
    ]
    with pytest.raises(ValueError, match="answered 2 results, not 3"):
        decode_closing(_words((10, 20), (11, 25)), states)


def test_a_position_is_its_liquidity_worth_plus_the_fees_collect_adds_in_token_units() -> None:
    # Given a USDC/DAI position whose decrease returns 1.5 USDC + 2 DAI, and collect 0.1 USDC + 0.005 DAI more
    state = _state(7, 10**12)
    closing = Closing(decreased=(1_500_000, 2 * 10**18), collected=(1_600_000, 2 * 10**18 + 5 * 10**15))
    # When it is built at tick 0
    position = liquidity_position(MANIFEST, state, closing, tick=0, decimals={})
    # Then amounts and fees are in token units and raw, named by the manifest
    assert position is not None
    assert (position.position_id, position.in_range, position.tick, position.liquidity) == (
        "uniswap-v3:7",
        True,
        0,
        10**12,
    )
    assert (position.token0.symbol, position.token0.amount, position.token0.fees) == ("USDC", "1.5", "0.1")
    assert (position.token1.symbol, position.token1.amount, position.token1.fees) == ("DAI", "2", "0.005")
    assert (position.token0.amount_raw, position.token0.fees_raw) == (1_500_000, 100_000)


@pytest.mark.parametrize(
    ("tick", "in_range"), [(-11, False), (-10, True), (9, True), (10, False), (None, None)]
)
def test_in_range_is_lower_tick_inclusive_and_upper_tick_exclusive(
    tick: int | None, in_range: bool | None
) -> None:
    closing = Closing(decreased=(1, 1), collected=(1, 1))
    position = liquidity_position(MANIFEST, _state(7, 1), closing, tick=tick, decimals={})
    assert position is not None
    assert position.in_range is in_range


def test_an_unlisted_token_goes_by_its_address_with_the_decimals_it_reports() -> None:
    # Given a position of an unlisted token and USDC, with no liquidity left and 0.7 of the token owed
    state = _state(3, 0, token0=UNLISTED, token1=USDC)
    details = details_of(MANIFEST, [state])
    # Then its pool's slot0 and the unlisted token's decimals are asked, nothing of listed tokens
    assert details.tokens == (UNLISTED,)
    assert [call.target for call in detail_calls(details)] == [state.pool, UNLISTED]
    slot0 = encode(
        ["uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool"], [2**96, -5, 0, 1, 1, 0, True]
    )
    ticks, decimals = decode_details(details, [Result(True, slot0), Result(True, encode(["uint8"], [18]))])
    assert (ticks, decimals) == ({state.pool: -5}, {UNLISTED: 18})
    # When the position is built
    closing = Closing(decreased=(0, 0), collected=(7 * 10**17, 0))
    position = liquidity_position(MANIFEST, state, closing, tick=ticks[state.pool], decimals=decimals)
    # Then the token is named by its address, its fees in its own units
    assert position is not None
    assert (position.token0.symbol, position.token0.amount, position.token0.fees) == (UNLISTED, "0", "0.7")
    assert position.in_range is True


def test_a_position_of_a_token_without_decimals_is_unreadable() -> None:
    state = _state(3, 0, token0=UNLISTED, token1=USDC)
    details = details_of(MANIFEST, [state])
    ticks, decimals = decode_details(details, [Result(False, b""), Result(False, b"")])
    assert (ticks, decimals) == ({state.pool: None}, {UNLISTED: None})
    closing = Closing(decreased=(0, 0), collected=(1, 0))
    assert liquidity_position(MANIFEST, state, closing, tick=None, decimals=decimals) is None
