"""The wallets repository on the accounts table (PynamoDB models stay inside this module)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from tradewind.errors import Conflict
from tradewind.storage.accounts_table import (
    AccountsTableItem,
    ConditionFailed,
    get_item,
    transaction,
    translate_errors,
)
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


class _WalletAddressClaimItem(AccountsTableItem):
    wallet_id = UnicodeAttribute()


def _user_key(user_id: str) -> str:
    return f"USER#{user_id}"


def _claim_sort_key(chain: str, address: str) -> str:
    return f"WALLETADDR#{chain}#{address.lower()}"


class DynamoWalletsRepository:
    """WalletsRepository on the accounts table."""

    def add(self, user_id: str, wallet: Wallet) -> None:
        item = _WalletItem(
            _user_key(user_id),
            f"WALLET#{wallet.id}",
            wallet_id=wallet.id,
            chain=wallet.chain,
            address=wallet.address,
            label=wallet.label,
            created_at=wallet.created_at,
        )
        claim = _WalletAddressClaimItem(
            _user_key(user_id), _claim_sort_key(wallet.chain, wallet.address), wallet_id=wallet.id
        )
        try:
            with transaction() as tx:
                tx.save(claim, condition=_WalletAddressClaimItem.pk.does_not_exist())
                tx.save(item, condition=_WalletItem.pk.does_not_exist())
        except ConditionFailed as e:
            raise Conflict("this address is already watched on this chain") from e

    def list(self, user_id: str) -> list[Wallet]:
        with translate_errors():
            items = _WalletItem.query(
                _user_key(user_id), _WalletItem.sk.startswith("WALLET#"), consistent_read=True
            )
            wallets = [item.to_domain() for item in items]
        return sorted(wallets, key=lambda wallet: wallet.created_at)

    def remove(self, user_id: str, wallet_id: str) -> bool:
        item = get_item(_WalletItem, _user_key(user_id), f"WALLET#{wallet_id}")
        if item is None:
            return False
        claim = _WalletAddressClaimItem(_user_key(user_id), _claim_sort_key(item.chain, item.address))
        try:
            with transaction() as tx:
                tx.delete(item, condition=_WalletItem.pk.exists())
                tx.delete(claim)
        except ConditionFailed:
            return False
        return True
