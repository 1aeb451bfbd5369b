"""ETag and If-Match for the documents the API serves whole and versions (risk profile, preferences)."""

from __future__ import annotations

from tradewind.errors import InvalidInput


def etag(version: int) -> str:
    """The strong ETag of a version: ``"3"``."""
    return f'"{version}"'


def if_match_version(if_match: str | None, resource: str) -> int | None:
    """The version an If-Match header names (as GET's ETag; weak or bare forms accepted)."""
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidInput(f'If-Match must be the ETag of GET {resource}, such as "3"', field="If-Match")
    return int(tag)
