"""The risk check every trade passes before signing: pure rules over a candidate, a profile and the deny list.

Each rule is a small function returning a finding or None. A ``block`` finding rejects the trade, so a
rejection never reaches signing; a ``warn`` sends it to the user; ``info`` only explains. A trade
is approved without the user only when nothing warns and the user's automation policy covers it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from tradewind.risk.models import (
    BPS,
    Decision,
    Finding,
    RiskProfile,
    RiskReport,
    Severity,
    TradeCandidate,
)
from tradewind.wallets.addresses import to_checksum_address

Rule = Callable[[TradeCandidate, RiskProfile], Finding | None]

WARN_POINTS = 25
"""Score points per warning: four warnings weigh nearly as much as a rejection."""
USAGE_POINTS = 10
"""Score points for using all of the per-trade limit, and again for all of the price-impact limit."""


def _usd(value: Decimal) -> str:
    return f"{value:.2f} USD"


def _tokens(amount: int, decimals: int, symbol: str) -> str:
    text = format(Decimal(amount).scaleb(-decimals), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {symbol}"


def _block(code: str, message: str) -> Finding:
    return Finding(code=code, severity=Severity.BLOCK, message=message)


def _warn(code: str, message: str) -> Finding:
    return Finding(code=code, severity=Severity.WARN, message=message)


def _info(code: str, message: str) -> Finding:
    return Finding(code=code, severity=Severity.INFO, message=message)


def effective_slippage_bps(candidate: TradeCandidate, profile: RiskProfile) -> int:
    """The tighter of the slippage asked for and the profile's: a request never loosens the user's limit."""
    return min(candidate.max_slippage_bps, profile.max_slippage_bps)


def min_amount_out(expected_amount_out: int, slippage_bps: int) -> int:
    """ceil(expected * (10000 - bps) / 10000): the least output the vault accepts for that slippage.

    The vault refuses a minimum below ``quote * (10000 - bps) / 10000``, so rounding down would make
    the report name a minimum the vault's own check rejects whenever the division is not exact; the
    vault call is built with the same bound (``trading.vault_calls.min_amount_out``).
    """
    return -(-expected_amount_out * (BPS - slippage_bps) // BPS)


def trade_size(candidate: TradeCandidate, profile: RiskProfile) -> Finding | None:
    """A sale worth more than the user's per-trade limit is refused."""
    if candidate.usd_value <= profile.max_trade_usd:
        return None
    return _block(
        "trade_limit_exceeded",
        f"the sale is worth {_usd(candidate.usd_value)}, above the per-trade limit of "
        f"{_usd(profile.max_trade_usd)}",
    )


def daily_volume(candidate: TradeCandidate, profile: RiskProfile) -> Finding | None:
    """The user's USD sold in the last 24 h plus this sale may not pass the daily limit."""
    total = candidate.volume_24h_usd + candidate.usd_value
    if total <= profile.max_daily_usd:
        return None
    return _block(
        "daily_limit_exceeded",
        f"{_usd(candidate.volume_24h_usd)} sold in the last 24 h plus {_usd(candidate.usd_value)} makes "
        f"{_usd(total)}, above the daily limit of {_usd(profile.max_daily_usd)}",
    )


def tokens_allowed(candidate: TradeCandidate, profile: RiskProfile) -> Finding | None:
    """Both tokens must be in the user's allowlist, when the user keeps one."""
    if not profile.allowed_tokens:
        return None
    outside = [s for s in (candidate.sell_symbol, candidate.buy_symbol) if s not in profile.allowed_tokens]
    if not outside:
        return None
    return _block(
        "token_not_allowed",
        f"{', '.join(outside)} not in the allowed tokens ({', '.join(profile.allowed_tokens)})",
    )


def price_impact(candidate: TradeCandidate, profile: RiskProfile) -> Finding | None:
    """An impact above the user's limit is refused; one that could not be measured needs the user."""
    if candidate.price_impact_bps is None:
        return _warn(
            "price_impact_unknown", f"price impact could not be measured: {candidate.price_impact_note}"
        )
    if candidate.price_impact_bps <= profile.max_price_impact_bps:
        return None
    return _block(
        "price_impact_too_high",
        f"price impact of {candidate.price_impact_bps} bps is above the limit of "
        f"{profile.max_price_impact_bps} bps",
    )


def requested_slippage(candidate: TradeCandidate, profile: RiskProfile) -> Finding | None:
    """A trade asking for more slippage than the user's profile allows is refused, not silently tightened."""
    if candidate.max_slippage_bps <= profile.max_slippage_bps:
        return None
    return _block(
        "slippage_above_limit",
        f"the trade asks for {candidate.max_slippage_bps} bps of slippage, above the profile's "
        f"{profile.max_slippage_bps} bps",
    )


def simulation(candidate: TradeCandidate, _: RiskProfile) -> Finding | None:
    """The exact vault call must succeed in an eth_call: what reverts there would revert on chain."""
    if candidate.simulation.succeeded:
        return None
    return _block(
        "simulation_reverted", f"the simulated vault call reverted: {candidate.simulation.revert_reason}"
    )


def recipient_is_vault(candidate: TradeCandidate, _: RiskProfile) -> Finding | None:
    """The swap's output goes to the vault itself: anything else would move funds out of the user's rules."""
    if candidate.recipient == candidate.vault_address:
        return None
    return _block(
        "recipient_not_vault",
        f"the output would go to {candidate.recipient}, not to the vault {candidate.vault_address}",
    )


def vault_token(candidate: TradeCandidate, _: RiskProfile) -> Finding | None:
    """The vault must allow selling the token; its limits unread leave only the simulation to vouch for it."""
    limits = candidate.vault_limits
    if limits is None:
        return _warn(
            "vault_limits_unknown", f"the vault's limits for {candidate.sell_symbol} could not be read"
        )
    if limits.allowed:
        return None
    return _block("vault_token_not_allowed", f"the vault does not allow trading {candidate.sell_symbol}")


def vault_trade_cap(candidate: TradeCandidate, _: RiskProfile) -> Finding | None:
    """The sale may not pass the vault's per-trade cap for the token (in token units)."""
    limits = candidate.vault_limits
    if limits is None or candidate.amount_in <= limits.max_per_trade:
        return None
    sell = candidate.sell_decimals, candidate.sell_symbol
    return _block(
        "vault_trade_cap_exceeded",
        f"selling {_tokens(candidate.amount_in, *sell)} is above the vault's per-trade cap of "
        f"{_tokens(limits.max_per_trade, *sell)}",
    )


def vault_daily_cap(candidate: TradeCandidate, _: RiskProfile) -> Finding | None:
    """The vault's 24 h sales of the token plus this one may not pass its daily cap, when they are known."""
    limits = candidate.vault_limits
    if limits is None:
        return None
    if limits.sold_last_24h is None:
        return _info(
            "vault_daily_sales_unknown",
            "the vault's sales in the last 24 h were not read; the simulation checked its daily cap",
        )
    total = limits.sold_last_24h + candidate.amount_in
    if total <= limits.max_per_day:
        return None
    sell = candidate.sell_decimals, candidate.sell_symbol
    return _block(
        "vault_daily_cap_exceeded",
        f"{_tokens(limits.sold_last_24h, *sell)} sold in the last 24 h plus "
        f"{_tokens(candidate.amount_in, *sell)} is above the vault's daily cap of "
        f"{_tokens(limits.max_per_day, *sell)}",
    )


def vault_slippage(candidate: TradeCandidate, profile: RiskProfile) -> Finding | None:
    """The vault refuses a minimum output looser than its own slippage limit (SlippageTooHigh)."""
    limits = candidate.vault_limits
    bps = effective_slippage_bps(candidate, profile)
    if limits is None or bps <= limits.max_slippage_bps:
        return None
    return _block(
        "vault_slippage_exceeded",
        f"a slippage of {bps} bps is above the vault's limit of {limits.max_slippage_bps} bps",
    )


def needs_owner_signature(candidate: TradeCandidate) -> bool:
    """The vault needs the owner's EIP-712 signature for sales strictly above its signature threshold."""
    limits = candidate.vault_limits
    return limits is not None and candidate.amount_in > limits.signature_threshold


def owner_signature(candidate: TradeCandidate, _: RiskProfile) -> Finding | None:
    """A sale needing the owner's signature needs the user, whatever the automation policy."""
    limits = candidate.vault_limits
    if limits is None or not needs_owner_signature(candidate):
        return None
    sell = candidate.sell_decimals, candidate.sell_symbol
    return _warn(
        "owner_signature_required",
        f"selling {_tokens(candidate.amount_in, *sell)} is above the vault's signature threshold of "
        f"{_tokens(limits.signature_threshold, *sell)}: the owner must sign",
    )


RULES: tuple[Rule, ...] = (
    trade_size,
    daily_volume,
    tokens_allowed,
    price_impact,
    requested_slippage,
    simulation,
    recipient_is_vault,
    vault_token,
    vault_trade_cap,
    vault_daily_cap,
    vault_slippage,
    owner_signature,
)
"""Every rule but the deny list's, in the order their findings are reported."""


def denied_addresses(candidate: TradeCandidate, deny_list: Iterable[str]) -> Finding | None:
    """No address the trade involves may be on the configured deny list (sanctioned or flagged)."""
    denied = {to_checksum_address(address) for address in deny_list}
    involved = {
        "owner": candidate.owner,
        "vault": candidate.vault_address,
        "router": candidate.router,
        "pool": candidate.pool,
        "sell token": candidate.sell_token,
        "buy token": candidate.buy_token,
        "recipient": candidate.recipient,
    }
    hits = [f"{role} {address}" for role, address in involved.items() if address and address in denied]
    if not hits:
        return None
    return _block("denied_address", f"on the deny list: {', '.join(hits)}")


def automation(candidate: TradeCandidate, profile: RiskProfile) -> list[Finding]:
    """Why the user's automation policy does not cover this trade; empty when it does."""
    policy = profile.automation
    if candidate.proposed_by_assistant:
        return [_info("proposed_by_assistant", "proposed by the assistant, so it waits for your approval")]
    if not policy.auto_approve:
        return [_info("automation_off", "automatic approval is off")]
    reasons: list[Finding] = []
    if candidate.usd_value > policy.auto_approve_max_usd:
        reasons.append(
            _info(
                "above_auto_approve_limit",
                f"the sale is worth {_usd(candidate.usd_value)}, above the automatic approval limit of "
                f"{_usd(policy.auto_approve_max_usd)}",
            )
        )
    covered = policy.auto_approve_tokens or profile.allowed_tokens
    outside = [s for s in (candidate.sell_symbol, candidate.buy_symbol) if covered and s not in covered]
    if outside:
        reasons.append(_info("token_not_auto_approved", f"{', '.join(outside)} not approved automatically"))
    return reasons


def score(findings: Iterable[Finding], candidate: TradeCandidate, profile: RiskProfile) -> int:
    """0-100, higher is riskier: 100 for any block; otherwise 25 per warning plus up to 10 for how much
    of the per-trade limit the sale uses and up to 10 for how much of the impact limit it uses (10 when
    the impact is unknown), rounded half up and capped at 99 so that only a rejection scores 100.
    """
    findings = tuple(findings)
    if any(f.severity is Severity.BLOCK for f in findings):
        return 100
    warnings = sum(1 for f in findings if f.severity is Severity.WARN)
    size_use = min(Decimal(1), candidate.usd_value / profile.max_trade_usd)
    impact_use = (
        Decimal(1)
        if candidate.price_impact_bps is None
        else min(Decimal(1), Decimal(candidate.price_impact_bps) / profile.max_price_impact_bps)
    )
    points = WARN_POINTS * warnings + USAGE_POINTS * (size_use + impact_use)
    return min(99, int(points.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def assess(candidate: TradeCandidate, profile: RiskProfile, deny_list: Iterable[str]) -> RiskReport:
    """Run every rule; reject on any block, approve only when nothing warns and the policy allows it."""
    findings = [finding for rule in RULES if (finding := rule(candidate, profile)) is not None]
    if (denied := denied_addresses(candidate, deny_list)) is not None:
        findings.insert(0, denied)
    severities = {f.severity for f in findings}
    if Severity.BLOCK in severities:
        decision = Decision.REJECT
    else:
        policy_reasons = automation(candidate, profile)
        findings.extend(policy_reasons)
        covered = not policy_reasons and Severity.WARN not in severities
        decision = Decision.APPROVE if covered else Decision.NEEDS_APPROVAL
    return RiskReport(
        score=score(findings, candidate, profile),
        decision=decision,
        findings=tuple(findings),
        min_amount_out=min_amount_out(
            candidate.expected_amount_out, effective_slippage_bps(candidate, profile)
        ),
        needs_owner_signature=needs_owner_signature(candidate),
    )
