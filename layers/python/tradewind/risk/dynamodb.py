"""The risk profiles repository on the accounts table: ``USER#<id>`` / ``RISKPROFILE``."""

from __future__ import annotations

from datetime import datetime

from tradewind.risk.models import RiskProfile, StoredRiskProfile
from tradewind.storage.versioned import VersionedDocuments


class DynamoRiskProfilesRepository:
    """RiskProfilesRepository over the versioned documents of the accounts table."""

    def __init__(self) -> None:
        self._documents = VersionedDocuments("RISKPROFILE", RiskProfile, "risk profile")

    def get(self, user_id: str) -> StoredRiskProfile | None:
        stored = self._documents.get(user_id)
        if stored is None:
            return None
        return StoredRiskProfile.of(stored.document, version=stored.version, updated_at=stored.updated_at)

    def put(
        self, user_id: str, profile: RiskProfile, *, version: int, updated_at: datetime
    ) -> StoredRiskProfile:
        self._documents.put(user_id, profile, version=version, updated_at=updated_at)
        return StoredRiskProfile.of(profile, version=version, updated_at=updated_at)
