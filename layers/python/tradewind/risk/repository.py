"""The risk context's data-access port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tradewind.risk.models import RiskProfile, StoredRiskProfile


class RiskProfilesRepository(Protocol):
    """Storage for each user's risk profile, versioned so that a stale write is refused."""

    def get(self, user_id: str) -> StoredRiskProfile | None:
        """The user's stored profile, None when the user never set one."""

    def put(
        self, user_id: str, profile: RiskProfile, *, version: int, updated_at: datetime
    ) -> StoredRiskProfile:
        """Store ``profile`` as ``version`` if the stored one is at ``version - 1`` (none for version 1).

        Conflict otherwise: someone else wrote the profile in between.
        """
