"""The token discovery state on the accounts table: per chain and owner, the cursor and the tokens found.

Item: ``DISCOVERY#<chain>`` / ``OWNER#<address>``, the next block to scan and the discovered
tokens as JSON. One item per owner, so that the cursor and the tokens it covers change together in
one conditional write. The holdings reader asks for the tokens of the owners it reads: one
BatchGetItem per chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pydantic import TypeAdapter
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from tradewind.errors import Conflict
from tradewind.holdings.discovery import DiscoveredToken, DiscoveryState
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import ConditionFailed, get_item, translate_errors

# Every sync run rewrites the item; one nobody rewrote for this long belongs to an address nobody
# watches any more (if it is watched again, its first scan starts over).
DISCOVERY_TTL = timedelta(days=30)

_TOKENS = TypeAdapter(tuple[DiscoveredToken, ...])


class _DiscoveryItem(AccountsTableItem):
    chain = UnicodeAttribute()
    owner = UnicodeAttribute()
    next_block = NumberAttribute()
    tokens = UnicodeAttribute()  # tuple[DiscoveredToken, ...] as JSON
    scanned_at = UTCDateTimeAttribute()


def _chain_key(chain: str) -> str:
    return f"DISCOVERY#{chain}"


def _owner_key(owner: str) -> str:
    return f"OWNER#{owner}"


def _state(item: _DiscoveryItem) -> DiscoveryState:
    return DiscoveryState(
        chain=item.chain,
        owner=item.owner,
        next_block=int(item.next_block),
        tokens=_TOKENS.validate_json(item.tokens),
        scanned_at=item.scanned_at,
    )


class DynamoDiscoveryStore:
    """DiscoveryStore on the accounts table (PynamoDB stays inside this module)."""

    def state(self, chain_key: str, owner: str) -> DiscoveryState | None:
        """The owner's state, read consistently: the cursor a run starts from must be the last saved."""
        item = get_item(_DiscoveryItem, _chain_key(chain_key), _owner_key(owner))
        return _state(item) if item is not None else None

    def tokens(self, chain_key: str, owners: Sequence[str]) -> list[DiscoveredToken]:
        """The tokens discovered for any of ``owners``, each once, in the order of the owners."""
        keys = [(_chain_key(chain_key), _owner_key(owner)) for owner in dict.fromkeys(owners)]
        if not keys:
            return []
        with translate_errors():
            items = {item.owner: item for item in _DiscoveryItem.batch_get(keys)}
        found: dict[str, DiscoveredToken] = {}
        for owner in dict.fromkeys(owners):
            if owner in items:
                for token in _state(items[owner]).tokens:
                    found.setdefault(token.address, token)
        return list(found.values())

    def save(self, state: DiscoveryState, expected_next_block: int | None) -> None:
        """Replace the state if the stored cursor is still ``expected_next_block`` (None: no item yet)."""
        item = _DiscoveryItem(
            _chain_key(state.chain),
            _owner_key(state.owner),
            chain=state.chain,
            owner=state.owner,
            next_block=state.next_block,
            tokens=_TOKENS.dump_json(state.tokens).decode(),
            scanned_at=state.scanned_at,
            expires_at=int((state.scanned_at + DISCOVERY_TTL).timestamp()),
        )
        condition = (
            _DiscoveryItem.pk.does_not_exist()
            if expected_next_block is None
            else _DiscoveryItem.next_block == expected_next_block
        )
        try:
            with translate_errors():
                item.save(condition=condition)
        except ConditionFailed as e:
            raise Conflict(f"another discovery of {state.owner} on {state.chain} saved first") from e
