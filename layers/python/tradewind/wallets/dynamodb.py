"""The wallets repository on the accounts table (PynamoDB models stay inside this module)."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from tradewind.errors import Conflict
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import ConditionFailed, translate_errors
from tradewind.wallets.models import Wallet


class _WalletItem(AccountsTableItem):
    wallet_id = UnicodeAttribute()
    chain = UnicodeAttribute()
    address = UnicodeAttribute()
    label = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    def to_domain(self) -> Wallet:
        return Wallet(
            id=self.wallet_id,
            chain=self.chain,
            address=self.address,
            label=self.label,
            created_at=self.created_at,
        )


def _user_key(user_id: str) -> str:
    return f"USER#{user_id}"


def _wallet_key(wallet_id: str) -> str:
    return f"WALLET#{wallet_id}"


class DynamoWalletsRepository:
    """WalletsRepository on the accounts table.

    A wallet's id is derived from its chain and address (see ``wallet_id``), so one conditional
    PutItem keeps a chain+address unique per user: no transaction, no second item.
    """

    def add(self, user_id: str, wallet: Wallet) -> None:
        item = _WalletItem(
            _user_key(user_id),
            _wallet_key(wallet.id),
            wallet_id=wallet.id,
            chain=wallet.chain,
            address=wallet.address,
            label=wallet.label,
            created_at=wallet.created_at,
        )
        try:
            with translate_errors():
                item.save(condition=_WalletItem.pk.does_not_exist())
        except ConditionFailed as e:
            raise Conflict("this address is already watched on this chain") from e

    def list(self, user_id: str) -> list[Wallet]:
        with translate_errors():
            items = _WalletItem.query(
                _user_key(user_id), _WalletItem.sk.startswith("WALLET#"), consistent_read=True
            )
            wallets = [item.to_domain() for item in items]
        return sorted(wallets, key=lambda wallet: wallet.created_at)

    def everyone(self) -> Iterator[tuple[str, Wallet]]:
        """Every user's wallets as (user id, wallet): a paginated scan, for scheduled jobs only."""
        with translate_errors():
            for item in _WalletItem.scan(_WalletItem.sk.startswith("WALLET#")):
                yield item.pk.removeprefix("USER#"), item.to_domain()

    def remove(self, user_id: str, wallet_id: str) -> bool:
        item = _WalletItem(_user_key(user_id), _wallet_key(wallet_id))
        try:
            with translate_errors():
                item.delete(condition=_WalletItem.pk.exists())
        except ConditionFailed:
            return False
        return True
