"""The risk profiles repository on the accounts table (PynamoDB models stay inside this module)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from tradewind.errors import Conflict
from tradewind.risk.models import RiskProfile, StoredRiskProfile
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import ConditionFailed, get_item, translate_errors

SORT_KEY = "RISKPROFILE"


class _RiskProfileItem(AccountsTableItem):
    # One JSON document: the profile is only ever read and written whole, and a field added later
    # takes its default when an older item is read.
    profile = UnicodeAttribute()
    version = NumberAttribute()
    updated_at = UTCDateTimeAttribute()

    def to_domain(self) -> StoredRiskProfile:
        return StoredRiskProfile.of(
            RiskProfile.model_validate_json(self.profile),
            version=int(self.version),
            updated_at=self.updated_at,
        )


class DynamoRiskProfilesRepository:
    """RiskProfilesRepository on the accounts table: ``USER#<id>`` / ``RISKPROFILE``."""

    def get(self, user_id: str) -> StoredRiskProfile | None:
        item = get_item(_RiskProfileItem, f"USER#{user_id}", SORT_KEY)
        return item.to_domain() if item else None

    def put(
        self, user_id: str, profile: RiskProfile, *, version: int, updated_at: datetime
    ) -> StoredRiskProfile:
        item = _RiskProfileItem(
            f"USER#{user_id}",
            SORT_KEY,
            profile=profile.model_dump_json(),
            version=version,
            updated_at=updated_at,
        )
        previous = version - 1
        # The version is the invariant: a write lands only on the version its writer read.
        condition = (
            _RiskProfileItem.pk.does_not_exist() if previous == 0 else _RiskProfileItem.version == previous
        )
        try:
            with translate_errors():
                item.save(condition=condition)
        except ConditionFailed as e:
            raise Conflict(f"the risk profile is no longer at version {previous}; read it again") from e
        return item.to_domain()
