"""What a run costs the organization: the requests it sent and the rate-limit use servers report."""

from __future__ import annotations

from collections.abc import Mapping

from witsync.model import RateLimitUse, RequestBudget


def header_float(headers: Mapping[str, str], name: str) -> float | None:
    """A numeric header's value, or None when it is absent or not a number."""
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


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
        self._delayed += header_float(headers, "X-RateLimit-Delay") or 0.0
        limit = header_float(headers, "X-RateLimit-Limit")
        remaining = header_float(headers, "X-RateLimit-Remaining")
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
