"""In-memory implementations of the project's own repository ports, for unit tests of pure logic."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tradewind.accounts.models import ApiKey, ApiKeyRecord, RefreshTokenRecord, SessionFamily, UserRecord
from tradewind.assistant.conversations import Conversation, Turn
from tradewind.assistant.memory_repository import serialized_turn
from tradewind.audit.models import GENESIS_HASH, AuditEntry, ChainHead
from tradewind.audit.repository import ChainMoved
from tradewind.deployments.manifest import DeploymentManifest
from tradewind.errors import Conflict, NotFound
from tradewind.market.models import PricePoint
from tradewind.market.periods import Period
from tradewind.portfolio.history import HolderValue
from tradewind.preferences.models import Preferences, StoredPreferences
from tradewind.prices.models import Price
from tradewind.risk.models import RiskProfile, StoredRiskProfile
from tradewind.trading.models import TimelineEntry, Trade, TradeStatus, sources_of
from tradewind.vaults.models import DeployVaultCommand, Vault
from tradewind.wallets.models import Wallet


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class InMemoryAccountsRepository:
    """AccountsRepository over dicts, keeping the same invariants as the DynamoDB one."""

    def __init__(self) -> None:
        self.users: dict[str, UserRecord] = {}
        self.emails: dict[str, str] = {}
        self.sessions: dict[str, SessionFamily] = {}
        self.tokens: dict[str, RefreshTokenRecord] = {}
        self.api_keys: dict[str, ApiKeyRecord] = {}
        self.failures: dict[tuple[str, datetime], int] = {}

    def create_user(self, user: UserRecord) -> None:
        if user.email in self.emails:
            raise Conflict("an account with this email already exists")
        self.emails[user.email] = user.id
        self.users[user.id] = user

    def get_user(self, user_id: str) -> UserRecord | None:
        return self.users.get(user_id)

    def find_user_by_email(self, email: str) -> UserRecord | None:
        user_id = self.emails.get(email)
        return self.users.get(user_id) if user_id else None

    def create_session(self, session: SessionFamily, first_token: RefreshTokenRecord) -> None:
        self.sessions[session.id] = session
        self.tokens[first_token.id] = first_token

    def get_session(self, session_id: str) -> SessionFamily | None:
        return self.sessions.get(session_id)

    def get_refresh_token(self, token_id: str) -> RefreshTokenRecord | None:
        return self.tokens.get(token_id)

    def rotate_refresh_token(self, used: RefreshTokenRecord, replacement: RefreshTokenRecord) -> bool:
        current = self.tokens.get(used.id)
        session = self.sessions.get(used.family_id)
        if current is None or current.used or session is None or session.revoked:
            return False
        self.tokens[used.id] = current.model_copy(update={"used": True})
        self.tokens[replacement.id] = replacement
        return True

    def revoke_session(self, session_id: str) -> None:
        if session_id in self.sessions:
            self.sessions[session_id] = self.sessions[session_id].model_copy(update={"revoked": True})

    def create_api_key(self, key: ApiKeyRecord) -> None:
        self.api_keys[key.id] = key

    def list_api_keys(self, user_id: str) -> list[ApiKey]:
        owned = [key for key in self.api_keys.values() if key.user_id == user_id]
        return [ApiKey.model_validate(key.model_dump()) for key in sorted(owned, key=lambda k: k.created_at)]

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        return self.api_keys.get(key_id)

    def delete_api_key(self, user_id: str, key_id: str) -> bool:
        key = self.api_keys.get(key_id)
        if key is None or key.user_id != user_id:
            return False
        del self.api_keys[key_id]
        return True

    def failed_logins(self, email: str, window_start: datetime) -> int:
        return self.failures.get((email, window_start), 0)

    def record_failed_login(self, email: str, window_start: datetime, expires_at: datetime) -> int:
        self.failures[(email, window_start)] = self.failures.get((email, window_start), 0) + 1
        return self.failures[(email, window_start)]


class InMemoryWalletsRepository:
    """WalletsRepository over a dict."""

    def __init__(self) -> None:
        self.wallets: dict[str, dict[str, Wallet]] = {}

    def add(self, user_id: str, wallet: Wallet) -> None:
        owned = self.wallets.setdefault(user_id, {})
        if any(
            w.chain == wallet.chain and w.address.lower() == wallet.address.lower() for w in owned.values()
        ):
            raise Conflict("this address is already watched on this chain")
        owned[wallet.id] = wallet

    def list(self, user_id: str) -> list[Wallet]:
        return sorted(self.wallets.get(user_id, {}).values(), key=lambda w: w.created_at)

    def remove(self, user_id: str, wallet_id: str) -> bool:
        return self.wallets.get(user_id, {}).pop(wallet_id, None) is not None


class InMemoryManifests:
    """ManifestSource over a dict of manifests by chain key."""

    def __init__(self, manifests: dict[str, DeploymentManifest]) -> None:
        self.manifests = manifests

    def manifest(self, chain_key: str) -> DeploymentManifest:
        if chain_key not in self.manifests:
            raise NotFound(f"nothing is deployed on chain '{chain_key}'")
        return self.manifests[chain_key]


class InMemoryVaultsRepository:
    """VaultsRepository over a dict."""

    def __init__(self) -> None:
        self.vaults: dict[str, dict[str, Vault]] = {}

    def add(self, user_id: str, vault: Vault) -> None:
        self.vaults.setdefault(user_id, {})[vault.id] = vault

    def get(self, user_id: str, vault_id: str) -> Vault | None:
        return self.vaults.get(user_id, {}).get(vault_id)

    def list(self, user_id: str) -> list[Vault]:
        return sorted(self.vaults.get(user_id, {}).values(), key=lambda v: v.created_at)

    def save(self, user_id: str, vault: Vault) -> None:
        self.vaults.setdefault(user_id, {})[vault.id] = vault


class RecordingDispatcher:
    """CommandDispatcher that keeps what it was given."""

    def __init__(self) -> None:
        self.commands: list[DeployVaultCommand] = []

    def dispatch(self, command: DeployVaultCommand) -> None:
        self.commands.append(command)


class InMemoryValueHistory:
    """ValueHistory keeping every value; a period's read spans one interval before its start."""

    def __init__(self) -> None:
        self.recorded: dict[str, list[HolderValue]] = {}

    def record(self, user_id: str, values: Sequence[HolderValue]) -> None:
        self.recorded.setdefault(user_id, []).extend(values)

    def values(self, user_id: str, period: Period, start: datetime, end: datetime) -> list[HolderValue]:
        low = start - period.interval
        return [v for v in self.recorded.get(user_id, []) if low <= v.at < end]


class InMemoryPriceHistory:
    """PriceHistory over a list."""

    def __init__(self) -> None:
        self.recorded: list[Price] = []

    def record(self, prices: Iterable[Price]) -> None:
        self.recorded.extend(prices)

    def points(self, symbol: str, start: datetime, end: datetime) -> list[PricePoint]:
        kept = [p for p in self.recorded if p.symbol == symbol and start <= p.observed_at < end]
        return sorted((PricePoint(at=p.observed_at, usd=p.usd) for p in kept), key=lambda point: point.at)


class InMemoryRiskProfilesRepository:
    """RiskProfilesRepository over a dict, refusing a write that is not on the version it read."""

    def __init__(self) -> None:
        self.profiles: dict[str, StoredRiskProfile] = {}

    def get(self, user_id: str) -> StoredRiskProfile | None:
        return self.profiles.get(user_id)

    def put(
        self, user_id: str, profile: RiskProfile, *, version: int, updated_at: datetime
    ) -> StoredRiskProfile:
        current = self.profiles.get(user_id)
        if (current.version if current else 0) != version - 1:
            raise Conflict(f"the risk profile is no longer at version {version - 1}; read it again")
        self.profiles[user_id] = StoredRiskProfile.of(profile, version=version, updated_at=updated_at)
        return self.profiles[user_id]


class InMemoryAuditRepository:
    """AuditRepository over dicts, with the DynamoDB adapter's conditions: the head must still be the
    one the entry was sealed on, and an event id is recorded once."""

    def __init__(self) -> None:
        self.chains: dict[str, dict[int, AuditEntry]] = {}
        self.heads: dict[str, ChainHead] = {}
        self.events: dict[tuple[str, str], int] = {}

    def head(self, user_id: str) -> ChainHead | None:
        return self.heads.get(user_id)

    def find_event(self, user_id: str, event_id: str) -> AuditEntry | None:
        seq = self.events.get((user_id, event_id))
        return None if seq is None else self.chains[user_id][seq]

    def append(self, entry: AuditEntry) -> AuditEntry:
        recorded = self.find_event(entry.user_id, entry.event_id)
        if recorded is not None:
            return recorded
        head = self.heads.get(entry.user_id)
        if (entry.seq - 1, entry.prev_hash) != ((head.seq, head.hash) if head else (0, GENESIS_HASH)):
            raise ChainMoved(f"sequence {entry.seq} is taken")
        self.chains.setdefault(entry.user_id, {})[entry.seq] = entry
        self.heads[entry.user_id] = ChainHead(seq=entry.seq, hash=entry.hash)
        self.events[(entry.user_id, entry.event_id)] = entry.seq
        return entry

    def entries(
        self, user_id: str, *, after_seq: int = 0, through_seq: int | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        chain = self.chains.get(user_id, {})
        last = max(chain, default=0) if through_seq is None else through_seq
        return [chain[seq] for seq in sorted(chain) if after_seq < seq <= last][:limit]


class InMemoryTradesRepository:
    """TradesRepository over dicts, with the same key, fingerprint and transition rules."""

    def __init__(self) -> None:
        self.trades: dict[tuple[str, str], Trade] = {}
        self.keys: dict[tuple[str, str], tuple[str, str]] = {}

    def create(self, trade: Trade, idempotency_key: str, now: datetime) -> tuple[Trade, bool]:
        claimed = self.keys.get((trade.user_id, idempotency_key))
        if claimed is not None:
            trade_id, fingerprint = claimed
            if fingerprint != trade.request.fingerprint():
                raise Conflict("this Idempotency-Key was used for a different trade request")
            return self.trades[(trade.user_id, trade_id)], False
        self.keys[(trade.user_id, idempotency_key)] = (trade.id, trade.request.fingerprint())
        self.trades[(trade.user_id, trade.id)] = trade
        return trade, True

    def get(self, user_id: str, trade_id: str) -> Trade | None:
        return self.trades.get((user_id, trade_id))

    def list(self, user_id: str, limit: int, before: str | None = None) -> list[Trade]:
        mine = sorted(
            (t for (u, _), t in self.trades.items() if u == user_id), key=lambda t: t.id, reverse=True
        )
        return [t for t in mine if before is None or t.id < before][:limit]

    def annotate(
        self, user_id: str, trade_id: str, while_in: frozenset[TradeStatus], **updates: Any
    ) -> Trade:
        trade = self._trade(user_id, trade_id)
        if trade.status not in while_in:
            raise Conflict(f"the trade is {trade.status.value}")
        return self._save(trade.model_copy(update=updates))

    def transition(
        self,
        user_id: str,
        trade_id: str,
        to: TradeStatus,
        at: datetime,
        detail: str | None = None,
        **updates: Any,
    ) -> Trade:
        trade = self._trade(user_id, trade_id)
        if trade.status is to:
            return trade
        if trade.status not in sources_of(to):
            raise Conflict(f"the trade is {trade.status.value}; it cannot become {to.value}")
        entry = TimelineEntry(status=to, at=at, detail=detail)
        return self._save(
            trade.model_copy(
                update={**updates, "status": to, "updated_at": at, "timeline": (*trade.timeline, entry)}
            )
        )

    def _trade(self, user_id: str, trade_id: str) -> Trade:
        trade = self.trades.get((user_id, trade_id))
        if trade is None:
            raise NotFound("no such trade")
        return trade

    def _save(self, trade: Trade) -> Trade:
        self.trades[(trade.user_id, trade.id)] = trade
        return trade


class RecordingFlow:
    """FlowControl that records what the service asked of Step Functions."""

    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []
        self.approved: list[tuple[str, dict[str, Any]]] = []
        self.ended: list[tuple[str, str]] = []

    def start(self, trade_id: str, execution_input: dict[str, Any]) -> None:
        self.started.append((trade_id, execution_input))

    def approve(self, task_token: str, output: dict[str, Any]) -> None:
        self.approved.append((task_token, output))

    def end(self, task_token: str, error: str, cause: str) -> None:
        self.ended.append((task_token, error))


class InMemoryPreferencesRepository:
    """PreferencesRepository over a dict, refusing a write that is not on the version it read."""

    def __init__(self) -> None:
        self.preferences: dict[str, StoredPreferences] = {}

    def get(self, user_id: str) -> StoredPreferences | None:
        return self.preferences.get(user_id)

    def put(
        self, user_id: str, preferences: Preferences, *, version: int, updated_at: datetime
    ) -> StoredPreferences:
        current = self.preferences.get(user_id)
        if (current.version if current else 0) != version - 1:
            raise Conflict(f"the preferences are no longer at version {version - 1}; read them again")
        self.preferences[user_id] = StoredPreferences.of(preferences, version=version, updated_at=updated_at)
        return self.preferences[user_id]


class InMemoryConversationsRepository:
    """ConversationsRepository over dicts, with the DynamoDB adapter's conditions and its JSON round trip."""

    def __init__(self) -> None:
        self.conversations: dict[tuple[str, str], Conversation] = {}
        self.turns_of: dict[tuple[str, str], list[Turn]] = {}

    def create(self, conversation: Conversation) -> None:
        key = (conversation.user_id, conversation.id)
        if key in self.conversations:
            raise Conflict("a conversation with this id already exists")
        self.conversations[key] = conversation

    def get(self, user_id: str, conversation_id: str) -> Conversation | None:
        return self.conversations.get((user_id, conversation_id))

    def list(self, user_id: str, limit: int, before: str | None = None) -> builtins.list[Conversation]:
        mine = sorted(
            (c for (u, _), c in self.conversations.items() if u == user_id), key=lambda c: c.id, reverse=True
        )
        return [c for c in mine if before is None or c.id < before][:limit]

    def append_turn(
        self, user_id: str, conversation_id: str, turn: Turn, expected_version: int
    ) -> Conversation:
        # Stored as the adapter stores it, so that a test sees what DynamoDB would give back.
        stored = Turn.model_validate_json(serialized_turn(turn))
        updated = self._current(user_id, conversation_id, expected_version).with_turn(turn)
        self.turns_of.setdefault((user_id, conversation_id), []).append(stored)
        self.conversations[(user_id, conversation_id)] = updated
        return updated

    def turns(self, user_id: str, conversation_id: str, start: int = 0) -> builtins.list[Turn]:
        return [t for t in self.turns_of.get((user_id, conversation_id), []) if t.index >= start]

    def summarise(
        self, user_id: str, conversation_id: str, summary: str, through: int, expected_version: int
    ) -> Conversation:
        updated = self._current(user_id, conversation_id, expected_version).summarised(summary, through)
        self.conversations[(user_id, conversation_id)] = updated
        return updated

    def delete(self, user_id: str, conversation_id: str) -> bool:
        self.turns_of.pop((user_id, conversation_id), None)
        return self.conversations.pop((user_id, conversation_id), None) is not None

    def _current(self, user_id: str, conversation_id: str, expected_version: int) -> Conversation:
        conversation = self.conversations.get((user_id, conversation_id))
        if conversation is None:
            raise NotFound("no such conversation")
        if conversation.version != expected_version:
            raise Conflict(f"the conversation is at version {conversation.version}, not {expected_version}")
        return conversation
