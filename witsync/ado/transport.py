"""HTTP transport to Azure DevOps: auth, bounded concurrency, pacing, retries and safe writes.

Everything here is about *how* a request travels, not what it means: `Transport.send` takes an
`httpx.Request`, returns a successful `httpx.Response`, and turns every failure into a
`witsync.errors.ServerError` subclass (via `witsync.ado.failures`). The token lives only inside
`Token`, whose repr and str never show it; every error the transport raises, and every line it
logs, has passed through the token's `Redactor` (servers and proxies quote the token back).
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

import httpx

from witsync.ado.failures import RETRYABLE_STATUSES, TRANSIENT_STATUSES, raise_for_response
from witsync.ado.usage import RateReading, Usage
from witsync.errors import OutcomeUnknownError, ServerError, TransientError
from witsync.redact import Redactor

PAT_VARIABLE = "AZURE_DEVOPS_EXT_PAT"
PIPELINE_TOKEN_VARIABLE = "SYSTEM_ACCESSTOKEN"  # noqa: S105 - a variable name, not a secret

log = logging.getLogger(__name__)
"""INFO: every request (method, URL without its query, status, milliseconds) and every retry,
shown with `-v`; WARNING: a request that timed out and is tried again, always shown."""

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
"""Generous reads: a WIQL query may take up to 30 s on the server before it gives up (VS402335)."""


def timeouts(seconds: float | None = None) -> httpx.Timeout:
    """How long a request may wait: `seconds` (--timeout) for an answer and at most as long to
    connect; by default 10 s to connect and 60 s for an answer."""
    if seconds is None:
        return httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    return httpx.Timeout(seconds, connect=min(seconds, CONNECT_TIMEOUT))


class Token:
    """An Azure DevOps credential. The secret is reachable only through `authorization()`."""

    __slots__ = ("_secret", "kind")

    def __init__(self, secret: str, kind: Literal["basic", "bearer"]) -> None:
        self._secret = secret
        self.kind: Literal["basic", "bearer"] = kind

    def authorization(self) -> str:
        """The `Authorization` value: Basic with an empty user for a PAT, Bearer otherwise."""
        if self.kind == "basic":
            return "Basic " + base64.b64encode(f":{self._secret}".encode()).decode("ascii")
        return f"Bearer {self._secret}"

    def redactor(self) -> Redactor:
        """What masks this token, in every form it may be quoted back, in text to show."""
        return Redactor([self._secret])

    def __repr__(self) -> str:
        return f"Token(kind={self.kind!r}, secret='***')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would copy the secret somewhere we cannot see (a cache, a plan file): refuse.
        raise TypeError("a Token cannot be pickled")


def token_from_env(environ: Mapping[str, str]) -> Token | None:
    """`AZURE_DEVOPS_EXT_PAT` (a PAT, Basic auth) wins over `SYSTEM_ACCESSTOKEN` (Azure Pipelines,
    Bearer), the order the Azure CLI uses; blank values count as unset."""
    pat = environ.get(PAT_VARIABLE, "").strip()
    if pat:
        return Token(pat, "basic")
    bearer = environ.get(PIPELINE_TOKEN_VARIABLE, "").strip()
    if bearer:
        return Token(bearer, "bearer")
    return None


def redactor_from_env(environ: Mapping[str, str]) -> Redactor:
    """Masks every token the environment holds, the one in use or not: for text that reached the
    user without passing through a client (an unexpected error)."""
    names = (PAT_VARIABLE, PIPELINE_TOKEN_VARIABLE)
    return Redactor(environ.get(name, "").strip() for name in names)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to repeat a request after a throttle, 503 or lost connection."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    """A longer Retry-After is honoured only up to this, so a run cannot hang for hours."""
    max_timeouts: int = 2
    """Attempts that may each wait a whole timeout before the request fails: a server that let
    one timeout pass rarely answers the next time, and six of them are six minutes of silence."""
    slow_below: float = 0.1
    """Start pacing when X-RateLimit-Remaining falls below this share of X-RateLimit-Limit."""

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (1-based): exponential, with jitter so that
        concurrent requests that failed together do not come back together."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class Pacer:
    """Shared timing between concurrent requests: a hard "not before" after Retry-After, and a
    spacing between request starts while the server says we are close to its rate limit."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float]) -> None:
        self._policy = policy
        self._clock = clock
        self._not_before = 0.0
        self._next_slot = 0.0
        self.spacing = 0.0

    def delay(self) -> float:
        """Reserve a start time for one request and return how long to wait for it."""
        now = self._clock()
        start = max(now, self._not_before, self._next_slot)
        self._next_slot = start + self.spacing
        return start - now

    def hold(self, seconds: float) -> None:
        """No request starts for `seconds` (Retry-After holds every next request, not just one)."""
        self._not_before = max(self._not_before, self._clock() + seconds)

    def observe(self, headers: httpx.Headers) -> None:
        """Adapt to the rate-limit headers of any answer, successful or not."""
        retry_after = parse_retry_after(headers.get("Retry-After"), time.time())
        if retry_after is not None:
            self.hold(min(retry_after, self._policy.max_retry_after))
        delayed, remaining, limit = RateReading.of(headers)
        spacing = 0.0
        if delayed:
            # The server is already delaying us by this much: spread our requests out by as much.
            spacing = max(spacing, delayed)
        if remaining is not None and limit and remaining < limit * self._policy.slow_below:
            # Close to the limit: the closer, the slower, up to one backoff step between starts.
            spacing = max(
                spacing,
                self._policy.base_delay * (1 - remaining / (limit * self._policy.slow_below)),
            )
        self.spacing = min(spacing, self._policy.max_delay)


Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


async def gather_all(*aws: Awaitable[T]) -> list[T]:
    """`asyncio.gather`, except that the first failure cancels the other requests (none is left
    running against a client about to close) and is raised as itself, not in an ExceptionGroup."""
    tasks = [asyncio.ensure_future(aw) for aw in aws]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class Transport:
    """Sends requests with a token, within a concurrency limit, paced and retried as asked."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token: Token | None = None,
        max_concurrency: int = 8,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self._token = token
        self.redactor = token.redactor() if token is not None else Redactor()
        """Applied to every error raised and every line logged here, and by `check`."""
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.pacer = Pacer(self.retry, clock)
        self.usage = Usage()
        """Requests sent and rate-limit readings: what the run cost the organization."""

    @property
    def request_count(self) -> int:
        """Every HTTP request handed to httpx, retries included."""
        return self.usage.requests

    @property
    def has_token(self) -> bool:
        return self._token is not None

    async def send(
        self, request: httpx.Request, *, write: bool, work_item: int | str | None = None
    ) -> httpx.Response:
        """Send `request`; retry what is safe to retry; raise a ServerError for anything else.

        `write`: the request changes the board, so once its bytes may have reached the server an
        answer that never came is an unknown outcome, not something to repeat. `work_item` names
        what the request is about (an id, or "new Task") for error messages.
        """
        request.headers["X-TFS-FedAuthRedirect"] = "Suppress"
        if self._token is not None:
            request.headers["Authorization"] = self._token.authorization()
        retry_statuses = RETRYABLE_STATUSES if write else TRANSIENT_STATUSES
        attempt = 0
        timed_out = 0
        while True:
            attempt += 1
            last_try = attempt >= self.retry.max_attempts
            try:
                response = await self._send_once(request)
            except (httpx.ConnectTimeout, httpx.ReadTimeout) as error:
                if write and isinstance(error, httpx.ReadTimeout):
                    unknown = _outcome_unknown(request, error, work_item)
                    raise self.redactor.scrub(unknown) from None
                # Nothing came back in time (a read is safe to send again; a connection that
                # timed out carried nothing): once more, then give up with what was waited.
                timed_out += 1
                if last_try or timed_out >= self.retry.max_timeouts:
                    raise self.redactor.scrub(_timed_out(request, error, timed_out)) from None
                await self._wait(request, _waited(request, error), attempt, None, warn=True)
                continue
            except (httpx.ConnectError, httpx.PoolTimeout) as error:
                # Nothing reached the server: always safe to try again.
                if last_try:
                    raise self.redactor.scrub(_unreachable(request, error)) from None
                await self._wait(request, type(error).__name__, attempt, None)
                continue
            except httpx.TransportError as error:
                if write:
                    unknown = _outcome_unknown(request, error, work_item)
                    raise self.redactor.scrub(unknown) from None
                if last_try:
                    raise self.redactor.scrub(_unreachable(request, error)) from None
                await self._wait(request, type(error).__name__, attempt, None)
                continue
            if response.status_code in retry_statuses and not last_try:
                retry_after = parse_retry_after(response.headers.get("Retry-After"), time.time())
                await self._wait(request, f"HTTP {response.status_code}", attempt, retry_after)
                continue
            self.check(response, work_item=work_item)
            return response

    def check(self, response: httpx.Response, *, work_item: int | str | None) -> None:
        """Return if `response` carries data; raise its ServerError otherwise, with every form of
        the token taken out of what the server or a proxy on the way said (the one place where
        answers become messages: `send`, and each answer inside a `$batch`)."""
        try:
            raise_for_response(response, work_item=work_item, has_token=self.has_token)
        except ServerError as error:
            self.redactor.scrub(error)
            raise

    async def _wait(
        self,
        request: httpx.Request,
        why: str,
        attempt: int,
        retry_after: float | None,
        *,
        warn: bool = False,
    ) -> None:
        await self.wait_to_retry(_describe(request), why, attempt, retry_after, warn=warn)

    async def wait_to_retry(
        self,
        what: str,
        why: str,
        attempt: int,
        retry_after: float | None,
        *,
        warn: bool = False,
    ) -> None:
        """Wait before trying `what` again, as every retry here does: `retry_after` (the server's
        Retry-After, capped) or the backoff of `attempt`, whichever is longer. Also for the
        sub-requests of a `$batch` answered 429 or 503, which `Client.batch` sends again."""
        wait = self.retry.backoff(attempt, self._rng)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.retry.max_retry_after))
        line = f"{what}: {why}, retry {attempt} in {wait:.2f} s"
        log.log(logging.WARNING if warn else logging.INFO, "%s", self.redactor(line))
        await self._sleep(wait)

    async def _send_once(self, request: httpx.Request) -> httpx.Response:
        async with self._semaphore:
            # Paced inside the semaphore, so a request that queued for a slot still honours a
            # Retry-After that another request received meanwhile.
            wait = self.pacer.delay()
            if wait > 0:
                await self._sleep(wait)
            self.usage.requests += 1
            started = time.perf_counter()
            try:
                response = await self.http.send(request)
                try:
                    await response.aread()
                finally:
                    await response.aclose()
            except httpx.TransportError as error:
                self._log_request(request, type(error).__name__, started)
                raise
            self._log_request(request, str(response.status_code), started)
        self.pacer.observe(response.headers)
        self.usage.observe(response.headers)
        return response

    def _log_request(self, request: httpx.Request, outcome: str, started: float) -> None:
        """One line per request sent (`-v`): never a header, so never the token."""
        if log.isEnabledFor(logging.INFO):
            ms = (time.perf_counter() - started) * 1000
            log.info("%s", self.redactor(f"{_describe(request)} {outcome} {ms:.0f} ms"))


def _describe(request: httpx.Request) -> str:
    # Method and path only: the query never holds a secret, but keep messages short and stable.
    return f"{request.method} {request.url.copy_with(query=None)}"


def _timeout_of(request: httpx.Request, error: httpx.TimeoutException) -> float | None:
    """The seconds httpx waited before `error`, as the request's timeout settings say."""
    settings = request.extensions.get("timeout")
    phase = "connect" if isinstance(error, httpx.ConnectTimeout) else "read"
    seconds = settings.get(phase) if isinstance(settings, Mapping) else None
    return float(seconds) if isinstance(seconds, int | float) else None


def _waited(request: httpx.Request, error: httpx.TimeoutException) -> str:
    seconds = _timeout_of(request, error)
    within = f" within {seconds:g} s" if seconds is not None else ""
    if isinstance(error, httpx.ConnectTimeout):
        return f"could not connect{within}"
    return f"no answer{within}"


def _timed_out(
    request: httpx.Request, error: httpx.TimeoutException, times: int
) -> TransientError:
    tried = f"tried {times} time{'s' if times != 1 else ''}"
    return TransientError(
        f"{_waited(request, error)} for {_describe(request)} ({tried})",
        hint="check the organization URL and the network; a slow server may need more time: "
        "--timeout SECONDS (or `timeout:` in witsync.yaml)",
    )


def _unreachable(request: httpx.Request, error: httpx.TransportError) -> TransientError:
    return TransientError(
        f"no answer from the server for {_describe(request)}: {type(error).__name__}",
        hint="check the organization URL and the network, then run the command again",
    )


def _outcome_unknown(
    request: httpx.Request, error: httpx.TransportError, work_item: int | str | None
) -> OutcomeUnknownError:
    what = f"work item {work_item}" if work_item is not None else _describe(request)
    return OutcomeUnknownError(
        f"{what}: the write was sent but no answer came back ({type(error).__name__}); "
        "it may or may not have been saved",
        hint="run the same command again: witsync reads the board before writing",
        work_item=work_item,
    )
