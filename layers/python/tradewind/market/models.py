"""Price points, candles and the analysis figures computed from them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TrendDirection = Literal["up", "down", "flat"]


class PricePoint(BaseModel):
    """One USD price observed at one instant."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    usd: Decimal = Field(gt=0)


class Candle(BaseModel):
    """Open, high, low and close of the points in ``[start, start + interval)``."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    open: Decimal = Field(gt=0)
    high: Decimal = Field(gt=0)
    low: Decimal = Field(gt=0)
    close: Decimal = Field(gt=0)
    samples: int = Field(ge=1)


class Window(BaseModel):
    """The points a figure was computed on: times of the first and last (both inclusive), and count.

    For figures computed on candles, the times are candle starts and the prices are closes.
    """

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime
    points: int = Field(ge=1)


class Drawdown(BaseModel):
    """Largest peak-to-trough fall, as a fraction of the peak, and when the peak and trough were.

    A series that never falls has ``fraction`` 0 with peak and trough both at its first point.
    """

    model_config = ConfigDict(frozen=True)

    fraction: Decimal = Field(ge=0, le=1)
    peak_at: datetime
    trough_at: datetime
    window: Window


class Analysis(BaseModel):
    """Figures for one history, each with the window it was computed on; ``None`` when data is short."""

    # extra="forbid": ``analyse`` builds this from a dict, so a misspelt figure must fail loudly.
    model_config = ConfigDict(frozen=True, extra="forbid")

    interval: timedelta
    candles: int

    # A statistic rather than a price, so float (see ``realised_volatility``).
    realised_volatility_annualised: float | None = None
    volatility_window: Window | None = None

    trend: TrendDirection | None = None
    sma_short: Decimal | None = None
    sma_short_window: Window | None = None
    sma_long: Decimal | None = None
    sma_long_window: Window | None = None

    max_drawdown: Drawdown | None = None

    rsi: Decimal | None = None
    rsi_period: int | None = None
    rsi_window: Window | None = None
