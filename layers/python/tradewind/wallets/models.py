"""Domain models of the wallets context."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Wallet(BaseModel):
    """A watched address on one chain."""

    model_config = ConfigDict(frozen=True)

    id: str
    chain: str
    address: str
    label: str
    created_at: datetime
