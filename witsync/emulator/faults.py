"""Fault injection, off by default and seedable: latency, throttling, 503s, dropped connections,
and sub-requests of a `$batch` answered 429, 503 or 500 while the rest of the batch is saved.

`FaultMiddleware` sits outermost. A dropped connection is a `DroppedConnection` raised after the
response has started: under uvicorn that closes the socket mid-response (the client sees the
connection break), and `transport.asgi_transport` turns it into the httpx error a socket would give.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class EmulatorOptions:
    latency_ms: int = 0
    rate_limit: int | None = None
    """Requests per window before 429 (+Retry-After, X-RateLimit-*)."""
    rate_window_s: float = 300.0
    fail_rate: float = 0.0
    """Fraction of requests answered 503."""
    drop_rate: float = 0.0
    """Fraction of requests whose connection drops before processing."""
    commit_drop_rate: float = 0.0
    """Fraction of writes saved, then the connection drops."""
    seed: int | None = None
    link_bumps_rev: bool = False
    """Default: work-item link changes give no new rev (as the reference examples show)."""
    pat: str | None = None
    """Only this token accepted; None = any token (or none) accepted."""
    batch_throttle_rate: float = 0.0
    """Fraction of `$batch` sub-requests answered 429 (+Retry-After), not processed; the rest of
    the batch is saved."""
    batch_fail_rate: float = 0.0
    """Fraction of `$batch` sub-requests answered 503 (+Retry-After), not processed."""
    batch_faults: tuple[tuple[int, int], ...] = ()
    """`(work item id, status)` pairs: the next `$batch` sub-request for that item is answered
    with that status (429, 503, 500...) and not processed; each pair fires once after these
    options are set."""


class DroppedConnection(Exception):
    """The emulator dropped the connection; `when` says whether the request was processed."""

    def __init__(self, when: Literal["before", "after"]) -> None:
        super().__init__(f"connection dropped {when} processing")
        self.when = when


class FaultState:
    """The random source and the rate-limit window; replaced options keep the window."""

    def __init__(self, options: EmulatorOptions) -> None:
        self.options = options
        self.random = random.Random(options.seed)  # noqa: S311 - faults, not secrets
        self.recent: deque[float] = deque()
        self.fired: set[int] = set()
        """Indexes of `batch_faults` already answered."""

    def set_options(self, options: EmulatorOptions) -> None:
        if options.seed != self.options.seed:
            self.random = random.Random(options.seed)  # noqa: S311
        if options.rate_limit != self.options.rate_limit:
            self.recent.clear()
        self.fired.clear()
        self.options = options

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.random.random() < rate

    def throttle(self) -> dict[str, str] | None:
        """Rate-limit headers for this request, with `Retry-After` when it must be refused."""
        limit = self.options.rate_limit
        if limit is None:
            return None
        now = time.monotonic()
        window = self.options.rate_window_s
        while self.recent and self.recent[0] <= now - window:
            self.recent.popleft()
        reset = int(time.time() + (self.recent[0] + window - now if self.recent else window))
        headers = {
            "X-RateLimit-Resource": "ATCPU",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Reset": str(reset),
        }
        if len(self.recent) >= limit:
            wait = max(1, math.ceil(self.recent[0] + window - now))
            headers.update({"Retry-After": str(wait), "X-RateLimit-Remaining": "0"})
            return headers
        self.recent.append(now)
        headers["X-RateLimit-Remaining"] = str(limit - len(self.recent))
        return headers


    def sub_request_fault(self, item_id: int | None) -> SubFault | None:
        """How to fail one `$batch` sub-request (for work item `item_id`, None for a create) on
        purpose, or None to process it."""
        status, fired = None, None
        for index, (target, code) in enumerate(self.options.batch_faults):
            if target == item_id and index not in self.fired:
                self.fired.add(index)
                status, fired = code, index
                break
        if status is None and self.roll(self.options.batch_throttle_rate):
            status = 429
        if status is None and self.roll(self.options.batch_fail_rate):
            status = 503
        if status is None:
            return None
        bodies = {429: _throttled_body, 503: _unavailable_body}
        body = bodies.get(status, _internal_error_body)()
        headers = {"Retry-After": "1"} if status in bodies else {}
        return SubFault(status, body, headers, fired)


@dataclass(frozen=True)
class SubFault:
    """The answer of a `$batch` sub-request failed on purpose."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    fired: int | None = None
    """The index in `batch_faults` it answers for (fired again when its batch is refused)."""


WRITE_METHODS = frozenset({"PATCH", "DELETE", "POST"})
READ_POSTS = ("/wiql", "/workitemsbatch")
"""POSTs that only read: commit-then-drop is for writes."""


def _is_write(scope: Scope) -> bool:
    method = scope.get("method", "GET")
    path = str(scope.get("path", "")).lower()
    return method in WRITE_METHODS and not path.endswith(READ_POSTS)


class FaultMiddleware:
    def __init__(self, app: ASGIApp, state: FaultState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        options = state.options
        if options.latency_ms:
            await asyncio.sleep(options.latency_ms / 1000)
        if state.roll(options.drop_rate):
            await _start_and_drop(send)
            raise DroppedConnection("before")
        headers = state.throttle()
        if headers and "Retry-After" in headers:
            await _json(send, 429, _throttled_body(), headers)
            return
        if state.roll(options.fail_rate):
            await _json(send, 503, _unavailable_body(), {"Retry-After": "1"})
            return
        if _is_write(scope) and state.roll(options.commit_drop_rate):
            await self.app(scope, receive, _swallow)
            await _start_and_drop(send)
            raise DroppedConnection("after")
        if not headers:
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


async def _swallow(message: Message) -> None:
    """The response of a commit-then-drop request: saved, never delivered."""


async def _start_and_drop(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )


async def _json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    data = json.dumps(body).encode()
    raw = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(data)).encode()),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


def _throttled_body() -> dict[str, Any]:
    return {
        "$id": "1",
        "innerException": None,
        "message": "TF400733: The request has been canceled: Request was blocked due to exceeding "
        "usage of resource 'ATCPU' in namespace 'User'.",
        "typeName": "Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, "
        "Microsoft.TeamFoundation.Framework.Server",
        "typeKey": "RequestBlockedException",
        "errorCode": 0,
        "eventId": 3000,
    }


def _unavailable_body() -> dict[str, Any]:
    return {
        "$id": "1",
        "innerException": None,
        "message": "TF400898: An Internal Error Occurred. The service is temporarily unavailable.",
        "typeName": "Microsoft.TeamFoundation.Framework.Server.ServiceUnavailableException, "
        "Microsoft.TeamFoundation.Framework.Server",
        "typeKey": "ServiceUnavailableException",
        "errorCode": 0,
        "eventId": 3000,
    }


def _internal_error_body() -> dict[str, Any]:
    return {
        "$id": "1",
        "innerException": None,
        "message": "TF246021: An error occurred while processing your request.",
        "typeName": "Microsoft.TeamFoundation.Framework.Server.UnexpectedDatabaseResultException, "
        "Microsoft.TeamFoundation.Framework.Server",
        "typeKey": "UnexpectedDatabaseResultException",
        "errorCode": 0,
        "eventId": 3000,
    }
