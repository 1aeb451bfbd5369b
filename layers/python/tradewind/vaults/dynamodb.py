"""The vaults repository on the accounts table (PynamoDB models stay inside this module)."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import get_item, translate_errors
from tradewind.vaults.models import Vault, VaultStatus


class _VaultItem(AccountsTableItem):
    vault_id = UnicodeAttribute()
    chain = UnicodeAttribute()
    owner = UnicodeAttribute()
    status = UnicodeAttribute()
    address = UnicodeAttribute(null=True)
    tx_hash = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()

    def to_domain(self) -> Vault:
        return Vault(
            id=self.vault_id,
            chain=self.chain,
            owner=self.owner,
            status=VaultStatus(self.status),
            address=self.address,
            tx_hash=self.tx_hash,
            error=self.error,
            created_at=self.created_at,
        )


def _item(user_id: str, vault: Vault) -> _VaultItem:
    return _VaultItem(
        f"USER#{user_id}",
        f"VAULT#{vault.id}",
        vault_id=vault.id,
        chain=vault.chain,
        owner=vault.owner,
        status=vault.status.value,
        address=vault.address,
        tx_hash=vault.tx_hash,
        error=vault.error,
        created_at=vault.created_at,
    )


class DynamoVaultsRepository:
    """VaultsRepository on the accounts table: ``USER#<id>`` / ``VAULT#<vault id>``."""

    def add(self, user_id: str, vault: Vault) -> None:
        with translate_errors():
            _item(user_id, vault).save(condition=_VaultItem.pk.does_not_exist())

    def get(self, user_id: str, vault_id: str) -> Vault | None:
        item = get_item(_VaultItem, f"USER#{user_id}", f"VAULT#{vault_id}")
        return item.to_domain() if item else None

    def list(self, user_id: str) -> list[Vault]:
        with translate_errors():
            items = _VaultItem.query(
                f"USER#{user_id}", _VaultItem.sk.startswith("VAULT#"), consistent_read=True
            )
            vaults = [item.to_domain() for item in items]
        return sorted(vaults, key=lambda vault: vault.created_at)

    def everyone(self) -> Iterator[tuple[str, Vault]]:
        """Every user's vaults as (user id, vault): a paginated scan, for scheduled jobs only."""
        with translate_errors():
            for item in _VaultItem.scan(_VaultItem.sk.startswith("VAULT#")):
                yield item.pk.removeprefix("USER#"), item.to_domain()

    def save(self, user_id: str, vault: Vault) -> None:
        with translate_errors():
            _item(user_id, vault).save()
