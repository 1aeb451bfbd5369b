"""Revert data decoding: Error(string), Panic(uint256), ABI custom errors, unknown selectors."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from tradewind.chain.reverts import decode_revert

CUSTOM_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": "swap", "inputs": [], "outputs": []},
    {
        "type": "error",
        "name": "SlippageExceeded",
        "inputs": [
            {"name": "minOut", "type": "uint256"},
            {
                "name": "route",
                "type": "tuple[]",
                "components": [{"name": "pool", "type": "address"}, {"name": "fee", "type": "uint24"}],
            },
        ],
    },
]
SIGNATURE = "SlippageExceeded(uint256,(address,uint24)[])"


def test_error_string_gives_the_reason() -> None:
    data = bytes.fromhex("08c379a0") + encode(["string"], ["too little received"])
    info = decode_revert(data)
    assert info.error == "Error(string)"
    assert info.reason == "too little received"
    assert info.selector == "0x08c379a0"


def test_panic_gives_its_code() -> None:
    info = decode_revert(bytes.fromhex("4e487b71") + encode(["uint256"], [0x11]))
    assert info.error == "Panic(uint256)"
    assert info.args == [0x11]
    assert info.reason is None


def test_custom_error_is_decoded_with_the_abi_and_tuples_expanded() -> None:
    # Given revert data of a custom error with a tuple array argument
    pool = "0x" + "ab" * 20
    data = keccak(text=SIGNATURE)[:4] + encode(["uint256", "(address,uint24)[]"], [5, [(pool, 500)]])
    # When decoded with the contract's ABI
    info = decode_revert(data, CUSTOM_ABI)
    # Then the error, its arguments and the raw data are all there
    assert info.error == SIGNATURE
    assert info.args == [5, [[pool, 500]]]
    assert info.data == "0x" + data.hex()


def test_unknown_selector_and_empty_data_keep_the_raw_data() -> None:
    data = bytes.fromhex("deadbeef") + b"\x00" * 32
    unknown = decode_revert(data, CUSTOM_ABI)
    assert (unknown.selector, unknown.error, unknown.data) == ("0xdeadbeef", None, "0x" + data.hex())
    empty = decode_revert(b"")
    assert (empty.selector, empty.error, empty.data) == (None, None, "0x")
