"""The transport: which answers are retried for reads and for writes, how long it waits (backoff,
Retry-After and its cap), when it gives up, and how many requests it lets in flight at once.

Backoff, Retry-After parsing and the pacer's arithmetic are tested in test_client.py; here the
`Transport` itself runs against the emulator (throttling and 503s are its fault options), with
hand-made answers only for what the emulator never does (gateway errors, refused connections).
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from witsync.ado.transport import RetryPolicy, Token, Transport
from witsync.emulator import EmulatorOptions, asgi_transport, create_app
from witsync.errors import NotFoundError, ServerError, TransientError

BASE = "http://emulator/org/Proj/_apis/wit/workitems"


def read(id: int = 1) -> httpx.Request:
    return httpx.Request("GET", f"{BASE}/{id}?api-version=7.1")


def create(title: str) -> httpx.Request:
    return httpx.Request(
        "POST",
        f"{BASE}/$Task?api-version=7.1",
        json=[{"op": "add", "path": "/fields/System.Title", "value": title}],
        headers={"Content-Type": "application/json-patch+json"},
    )


class Time:
    """A monotonic clock that moves only when the transport sleeps; every sleep is recorded, and
    `on_sleep` may change the world meanwhile (the emulator's throttle window passes...)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[], None] = lambda: None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.on_sleep()


class Emulator:
    """An in-process emulator with item 1, and every answer it gave."""

    def __init__(self) -> None:
        self.app = create_app(projects=["Proj"])
        self.answers: list[httpx.Response] = []

        async def record(response: httpx.Response) -> None:
            self.answers.append(response)

        self.http = httpx.AsyncClient(
            transport=asgi_transport(self.app), event_hooks={"response": [record]}
        )

    def set_options(self, options: EmulatorOptions) -> None:
        self.app.state.emulator.options = options

    def transport(self, time: Time, **kwargs: Any) -> Transport:
        return Transport(self.http, sleep=time.sleep, clock=time.clock, **kwargs)


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    first = await emulator.transport(Time()).send(create("first"), write=True)
    assert first.json()["id"] == 1
    emulator.answers.clear()
    yield emulator
    await emulator.http.aclose()


def mocked(answers: list[httpx.Response | Exception], time: Time, **kwargs: Any) -> Transport:
    """A transport whose server gives `answers` in turn (an exception: the connection failed)."""

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return Transport(http, sleep=time.sleep, clock=time.clock, **kwargs)


FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.04)


# -- 429: Retry-After -------------------------------------------------------------------------


async def test_a_throttled_request_waits_as_long_as_retry_after_says(emulator: Emulator) -> None:
    emulator.set_options(EmulatorOptions(rate_limit=1, rate_window_s=300.0))
    time = Time()
    time.on_sleep = lambda: emulator.set_options(EmulatorOptions())  # the window has passed
    transport = emulator.transport(time, retry=RetryPolicy(base_delay=0.01, max_retry_after=600))
    await transport.send(read(), write=False)
    answer = await transport.send(read(), write=False)
    assert answer.status_code == 200
    statuses = [a.status_code for a in emulator.answers]
    assert statuses == [200, 429, 200]
    retry_after = float(emulator.answers[1].headers["Retry-After"])
    assert retry_after > 100  # the rest of a 300 s window: far above any backoff step
    # one wait of exactly Retry-After: not a backoff step, and not waited twice (pacer + retry)
    assert time.sleeps == [retry_after]
    assert transport.request_count == 3


async def test_a_long_retry_after_is_honoured_only_up_to_the_cap(emulator: Emulator) -> None:
    emulator.set_options(EmulatorOptions(rate_limit=1, rate_window_s=300.0))
    time = Time()
    time.on_sleep = lambda: emulator.set_options(EmulatorOptions())
    transport = emulator.transport(time, retry=RetryPolicy(base_delay=0.01, max_retry_after=5.0))
    await transport.send(read(), write=False)
    await transport.send(read(), write=False)
    assert time.sleeps == [5.0]


async def test_throttled_writes_are_retried_and_saved_once(emulator: Emulator) -> None:
    emulator.set_options(EmulatorOptions(rate_limit=1, rate_window_s=300.0))
    time = Time()
    time.on_sleep = lambda: emulator.set_options(EmulatorOptions())
    transport = emulator.transport(time, retry=RetryPolicy(base_delay=0.01, max_retry_after=1.0))
    await transport.send(read(), write=False)
    created = await transport.send(create("throttled"), write=True)
    assert created.json()["id"] == 2
    assert [a.status_code for a in emulator.answers] == [200, 429, 200]
    with pytest.raises(NotFoundError):
        await transport.send(read(3), write=False)  # nothing was created twice


async def test_still_throttled_on_the_last_attempt_is_a_transient_error(emulator: Emulator) -> None:
    emulator.set_options(EmulatorOptions(rate_limit=1, rate_window_s=300.0))
    time = Time()
    policy = RetryPolicy(max_attempts=3, base_delay=0.01, max_retry_after=2.0)
    transport = emulator.transport(time, retry=policy)
    await transport.send(read(), write=False)
    with pytest.raises(TransientError) as caught:
        await transport.send(read(), write=False)
    assert caught.value.status == 429
    assert [a.status_code for a in emulator.answers] == [200, 429, 429, 429]
    assert time.sleeps == [2.0, 2.0]  # between the three attempts, none after the last


# -- the retry policy -------------------------------------------------------------------------


async def test_every_attempt_is_spent_with_backoff_and_retry_after_then_it_gives_up(
    emulator: Emulator,
) -> None:
    emulator.set_options(EmulatorOptions(fail_rate=1.0))  # 503 + Retry-After: 1, every time
    time = Time()
    policy = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=3.0)
    transport = emulator.transport(time, retry=policy, rng=random.Random(3))
    with pytest.raises(TransientError) as caught:
        await transport.send(read(), write=False)
    assert caught.value.status == 503
    assert transport.request_count == 4
    same = random.Random(3)
    backoff = [policy.backoff(attempt, same) for attempt in (1, 2, 3)]
    # each wait is the longer of the backoff step (1, 2, 3 s ceilings with jitter) and Retry-After
    assert time.sleeps == [max(step, 1.0) for step in backoff]
    assert time.sleeps[2] > 1.0


async def test_a_503_write_was_not_processed_so_it_is_sent_again(emulator: Emulator) -> None:
    emulator.set_options(EmulatorOptions(fail_rate=1.0))
    time = Time()
    time.on_sleep = lambda: emulator.set_options(EmulatorOptions())
    transport = emulator.transport(time, retry=FAST)
    created = await transport.send(create("after a 503"), write=True)
    assert [a.status_code for a in emulator.answers] == [503, 200]
    assert created.json()["id"] == 2
    with pytest.raises(NotFoundError):
        await transport.send(read(3), write=False)


@pytest.mark.parametrize("status", [502, 504])
async def test_gateway_errors_are_retried_for_reads_only(status: int) -> None:
    time = Time()
    ok = httpx.Response(200, json={"id": 1})
    reads = mocked([httpx.Response(status), httpx.Response(status), ok], time, retry=FAST)
    assert (await reads.send(read(), write=False)).json() == {"id": 1}
    assert reads.request_count == 3

    # A gateway may have passed the write on before failing: sending it again could save it twice.
    writes = mocked([httpx.Response(status), ok], time, retry=FAST)
    with pytest.raises(TransientError) as caught:
        await writes.send(create("x"), write=True, work_item="new Task")
    assert (caught.value.status, caught.value.work_item) == (status, "new Task")
    assert writes.request_count == 1


async def test_a_refused_connection_is_retried_even_for_a_write() -> None:
    time = Time()
    refused = httpx.ConnectError("connection refused")
    transport = mocked([refused, refused, httpx.Response(200, json={"id": 9})], time, retry=FAST)
    answer = await transport.send(create("x"), write=True)
    assert answer.json() == {"id": 9}
    assert transport.request_count == 3
    assert len(time.sleeps) == 2


async def test_a_server_never_reached_is_a_transient_error_after_the_last_attempt() -> None:
    time = Time()
    transport = mocked([httpx.ConnectError("refused")] * 4, time, retry=FAST)
    with pytest.raises(TransientError, match=r"no answer from the server for GET .*: ConnectError"):
        await transport.send(read(), write=False)
    assert transport.request_count == 4


# -- timeouts ----------------------------------------------------------------------------------


def timing_out(answers: list[httpx.Response | Exception], time: Time) -> tuple[Transport, Any]:
    """A transport whose client waits 2.5 s for an answer (1 to connect), and a request built by
    that client, so that it carries those timeouts as httpx's own requests do."""

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    http = httpx.AsyncClient(
        transport=httpx.MockTransport(handler), timeout=httpx.Timeout(2.5, connect=1.0)
    )
    transport = Transport(http, sleep=time.sleep, clock=time.clock, retry=RetryPolicy())
    return transport, http.build_request("POST", f"{BASE.rsplit('/', 1)[0]}/wiql?api-version=7.1")


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (httpx.ReadTimeout, "no answer within 2.5 s"),
        (httpx.ConnectTimeout, "could not connect within 1 s"),
    ],
)
async def test_a_request_that_times_out_is_tried_once_more_then_fails_saying_how_long(
    error: type[httpx.TimeoutException], said: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Six attempts of a whole timeout each were six minutes of silence: a server that let one
    timeout pass gets one more chance, with a warning, and then the run stops saying why."""
    time = Time()
    transport, wiql = timing_out([error("timed out")] * 6, time)
    with caplog.at_level("WARNING", logger="witsync"), pytest.raises(TransientError) as caught:
        await transport.send(wiql, write=False)
    assert caught.value.message == (
        f"{said} for POST http://emulator/org/Proj/_apis/wit/wiql (tried 2 times)"
    )
    assert "--timeout SECONDS" in str(caught.value.hint)
    assert transport.request_count == 2
    assert len(time.sleeps) == 1
    (warning,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert warning.getMessage().startswith(f"POST http://emulator/org/Proj/_apis/wit/wiql: {said}")


async def test_a_timeout_then_an_answer_is_an_answer() -> None:
    time = Time()
    transport, wiql = timing_out([httpx.ReadTimeout("slow"), httpx.Response(200, json={})], time)
    assert (await transport.send(wiql, write=False)).json() == {}


async def test_every_request_is_logged_with_its_status_and_time_never_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "pat-secret-in-the-log"
    time = Time()
    answers: list[httpx.Response | Exception] = [httpx.Response(503), httpx.Response(200, json={})]
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: answers.pop(0)))
    transport = Transport(http, token=Token(secret, "basic"), sleep=time.sleep, retry=FAST)
    with caplog.at_level("INFO", logger="witsync"):
        request = httpx.Request("GET", f"{BASE}/1?api-version=7.1&x={secret}")
        await transport.send(request, write=False)
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 3
    assert re.fullmatch(rf"GET {BASE}/1 503 \d+ ms", lines[0])
    assert re.fullmatch(rf"GET {BASE}/1: HTTP 503, retry 1 in [0-9.]+ s", lines[1])
    assert re.fullmatch(rf"GET {BASE}/1 200 \d+ ms", lines[2])
    assert secret not in caplog.text


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412, 500])
async def test_other_answers_are_not_retried(status: int) -> None:
    time = Time()
    transport = mocked([httpx.Response(status, json={"message": "m"})], time, retry=FAST)
    with pytest.raises(ServerError) as caught:
        await transport.send(read(), write=False)
    assert caught.value.status == status
    assert transport.request_count == 1
    assert time.sleeps == []


# -- the concurrency bound --------------------------------------------------------------------


class Turnstile:
    """ASGI middleware that holds every request until `open` is set, counting those inside."""

    def __init__(self, app: ASGIApp, fill: int) -> None:
        self.app = app
        self.fill = fill
        self.inside = 0
        self.peak = 0
        self.full = asyncio.Event()
        self.open = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.inside += 1
        self.peak = max(self.peak, self.inside)
        if self.inside >= self.fill:
            self.full.set()
        try:
            await self.open.wait()
            await self.app(scope, receive, send)
        finally:
            self.inside -= 1


async def test_no_more_requests_in_flight_than_the_bound() -> None:
    emulator = Emulator()
    turnstile = Turnstile(emulator.app, fill=3)
    http = httpx.AsyncClient(transport=asgi_transport(turnstile))
    transport = Transport(http, max_concurrency=3, retry=FAST)
    # reads of items that exist and do not (a failed request must give its slot back too)
    sends = [asyncio.ensure_future(transport.send(read(i), write=False)) for i in range(1, 9)]
    await turnstile.full.wait()
    for _ in range(20):
        await asyncio.sleep(0)  # every other send gets its turn to try to get in: none may
    assert turnstile.inside == 3
    assert transport.request_count == 3
    turnstile.open.set()
    async with asyncio.timeout(60):  # a slot never given back would hang here, not fail
        results = await asyncio.gather(*sends, return_exceptions=True)
    assert all(isinstance(result, NotFoundError) for result in results)  # the board is empty
    assert turnstile.peak == 3
    assert transport.request_count == 8
    await http.aclose()
