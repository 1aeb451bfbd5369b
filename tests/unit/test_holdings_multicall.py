"""Multicall3 aggregate3 encoding and decoding, checked by round trips through eth_abi."""

from __future__ import annotations

import pytest
from eth_abi.abi import decode, encode

from tradewind.holdings.multicall import (
    Call,
    Result,
    chunked,
    decode_aggregate3,
    encode_aggregate3,
    function_call,
)

OWNER = "0x" + "ab" * 20
TOKEN = "0x" + "12" * 20


def test_a_function_call_is_the_selector_and_the_abi_encoded_arguments() -> None:
    # When balanceOf(owner) is encoded
    call = function_call(TOKEN, "balanceOf", ["address"], [OWNER])
    # Then it is the well-known selector followed by the address in one word
    assert call.target == TOKEN
    assert call.data.hex() == "70a08231" + "00" * 12 + "ab" * 20


def test_aggregate3_calldata_round_trips_and_allows_failure_on_every_call() -> None:
    # Given two calls
    calls = [function_call(TOKEN, "balanceOf", ["address"], [OWNER]), function_call(TOKEN, "decimals")]
    # When they are encoded as aggregate3
    data = encode_aggregate3(calls)
    # Then the selector is aggregate3's and the payload decodes back to the calls with allowFailure set
    assert data[:4].hex() == "82ad56cb"
    (decoded,) = decode(["(address,bool,bytes)[]"], data[4:])
    assert [(target, allow, bytes(blob)) for target, allow, blob in decoded] == [
        (TOKEN, True, calls[0].data),
        (TOKEN, True, calls[1].data),
    ]


def test_an_aggregate3_return_blob_decodes_into_results() -> None:
    # Given what aggregate3 returns for a balance, a failed call and a call to an address without code
    blob = encode(
        ["(bool,bytes)[]"], [[(True, encode(["uint256"], [10**24])), (False, b"\x08"), (True, b"")]]
    )
    # When it is decoded
    results = decode_aggregate3(blob)
    # Then the balance reads as an int, and the two unusable results read as None
    assert results[0] == Result(success=True, data=encode(["uint256"], [10**24]))
    assert [result.uint() for result in results] == [10**24, None, None]


def test_a_malformed_blob_does_not_decode() -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - eth_abi raises several types; any will do
        decode_aggregate3(b"\x01\x02")


def test_calls_are_chunked_in_order_with_a_short_last_chunk() -> None:
    # Given 1201 calls
    calls = [Call(target=TOKEN, data=index.to_bytes(4, "big")) for index in range(1201)]
    # When they are chunked by 500
    chunks = chunked(calls, 500)
    # Then there are three chunks, in order, the last one short
    assert [len(chunk) for chunk in chunks] == [500, 500, 201]
    assert [call for chunk in chunks for call in chunk] == calls


def test_a_chunk_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        chunked([], 0)
