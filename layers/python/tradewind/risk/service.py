"""The risk use cases: a user's profile (defaults until one is set) and the risk check of a trade."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from tradewind.risk.engine import assess
from tradewind.risk.models import RiskProfile, RiskReport, StoredRiskProfile, TradeCandidate
from tradewind.risk.repository import RiskProfilesRepository


class RiskService:
    """Reads and replaces users' risk profiles, and assesses trades against them and the deny list."""

    def __init__(
        self,
        repository: RiskProfilesRepository,
        deny_list: Collection[str],
        clock: Callable[[], datetime],
    ) -> None:
        self._repository = repository
        self._deny_list = frozenset(deny_list)
        self._clock = clock

    def profile(self, user_id: str) -> StoredRiskProfile:
        """The user's profile; the defaults, at version 0, until the user sets one."""
        stored = self._repository.get(user_id)
        return stored or StoredRiskProfile.of(RiskProfile(), version=0, updated_at=None)

    def replace_profile(self, user_id: str, profile: RiskProfile, if_match: int | None) -> StoredRiskProfile:
        """Replace the whole profile. With ``if_match`` (the version the caller read) a newer profile is
        never overwritten; without it the write still lands on the version read here, or is a Conflict.
        """
        read = self.profile(user_id).version if if_match is None else if_match
        return self._repository.put(user_id, profile, version=read + 1, updated_at=self._clock())

    def assess(self, user_id: str, candidate: TradeCandidate) -> RiskReport:
        """The risk report of a trade under the user's current profile and the configured deny list."""
        return assess(candidate, self.profile(user_id).settings(), self._deny_list)
