"""What a run costs the organization: the requests it sent and the rate-limit use servers report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from witsync.model import RateLimitUse, RequestBudget


def _header_float(headers: Mapping[str, str], name: str) -> float | None:
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


class RateReading(NamedTuple):
    """The X-RateLimit-* numbers of one answer (None where absent or not a number): what both
    the pacing and the run's budget read from it."""

    delay: float | None
    remaining: float | None
    limit: float | None

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> RateReading:
        return cls(
            _header_float(headers, "X-RateLimit-Delay"),
            _header_float(headers, "X-RateLimit-Remaining"),
            _header_float(headers, "X-RateLimit-Limit"),
        )


class Usage:
    """Counts requests and keeps the first and last X-RateLimit readings of a run."""

    def __init__(self) -> None:
        self.requests = 0
        """Every HTTP request handed to httpx, retries included."""
        self._limit: float | None = None
        self._first: float | None = None
        self._last: float | None = None
        self._answers = 0
        self._delayed = 0.0

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take in the rate-limit headers of one answer (most answers carry none)."""
        delay, remaining, limit = RateReading.of(headers)
        self._delayed += delay or 0.0
        if limit is None or remaining is None:
            return
        self._limit = limit
        if self._first is None:
            self._first = remaining
        self._last = remaining
        self._answers += 1

    def budget(self) -> RequestBudget:
        if self._limit is None or self._first is None or self._last is None:
            return RequestBudget(self.requests)
        use = RateLimitUse(
            limit=self._limit,
            remaining_first=self._first,
            remaining_last=self._last,
            answers=self._answers,
            delayed_s=round(self._delayed, 3),
        )
        return RequestBudget(self.requests, use)
