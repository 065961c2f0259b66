"""The client: URLs, backoff and pacing, error messages; and every REST call against the emulator.

HTTP mocks appear only for answers the emulator cannot give (a 203 sign-in page, odd error
bodies seen on real servers); everything else runs against the real emulator.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from witsync.ado.batch import BatchCreate, BatchDelete, BatchUpdate, Deleted
from witsync.ado.client import Client, parse_org_url
from witsync.ado.transport import (
    Pacer,
    RetryPolicy,
    Token,
    gather_all,
    parse_retry_after,
    token_from_env,
)
from witsync.ado.wiql import literal
from witsync.emulator import EmulatorOptions, asgi_transport, create_app
from witsync.errors import (
    AuthError,
    BatchRefusedError,
    ConfigError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
    TransientError,
    WireFormatError,
)
from witsync.model import REL_PARENT, LiveItem

# -- pure parts -------------------------------------------------------------------------------


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        waits = {policy.backoff(attempt, rng) for _ in range(50)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(waits) > 1, "jitter: concurrent retries must not come back in step"


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("3", now=0.0) == 3.0
    assert parse_retry_after("0.25", now=0.0) == 0.25
    assert parse_retry_after(None, now=0.0) is None
    assert parse_retry_after("soon", now=0.0) is None
    # Thu, 01 Jan 1970 00:00:10 GMT is 10 s after the epoch.
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", now=4.0) == 6.0
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", now=40.0) == 0.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pacer_holds_every_request_after_retry_after() -> None:
    clock = FakeClock()
    pacer = Pacer(RetryPolicy(), clock)
    assert pacer.delay() == 0.0
    pacer.observe(httpx.Headers({"Retry-After": "2"}))
    assert pacer.delay() == pytest.approx(2.0)
    assert pacer.delay() == pytest.approx(2.0), "the hold applies to every waiting request"
    clock.now += 2.0
    assert pacer.delay() == 0.0


def test_pacer_spaces_requests_near_the_rate_limit_and_stops_when_clear() -> None:
    clock = FakeClock()
    pacer = Pacer(RetryPolicy(base_delay=1.0), clock)
    pacer.observe(httpx.Headers({"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "150"}))
    assert pacer.spacing == 0.0
    pacer.observe(httpx.Headers({"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "5"}))
    assert 0.5 < pacer.spacing <= 1.0
    starts = [pacer.delay() for _ in range(3)]
    assert starts[1] - starts[0] == pytest.approx(pacer.spacing)
    assert starts[2] - starts[1] == pytest.approx(pacer.spacing)
    pacer.observe(httpx.Headers({"X-RateLimit-Delay": "1.5"}))
    assert pacer.spacing == pytest.approx(1.5), "a delayed request slows the next ones as much"
    pacer.observe(httpx.Headers({}))
    assert pacer.spacing == 0.0


def test_token_from_env_prefers_the_pat_and_ignores_blanks() -> None:
    assert token_from_env({}) is None
    assert token_from_env({"AZURE_DEVOPS_EXT_PAT": "  "}) is None
    pat = token_from_env({"AZURE_DEVOPS_EXT_PAT": "p", "SYSTEM_ACCESSTOKEN": "s"})
    assert pat is not None
    assert pat.kind == "basic"
    assert pat.authorization() == "Basic OnA="  # base64(":p"): Basic with an empty user
    bearer = token_from_env({"SYSTEM_ACCESSTOKEN": "s"})
    assert bearer is not None
    assert bearer.kind == "bearer"
    assert bearer.authorization() == "Bearer s"


@pytest.mark.parametrize(
    ("org_url", "expected"),
    [
        (
            "https://dev.azure.com/fabrikam",
            "https://dev.azure.com/fabrikam/My%20Proj/_apis/wit/wiql",
        ),
        (
            "https://dev.azure.com/fabrikam/",
            "https://dev.azure.com/fabrikam/My%20Proj/_apis/wit/wiql",
        ),
        (
            "https://tfs.example.com/tfs/DefaultCollection",
            "https://tfs.example.com/tfs/DefaultCollection/My%20Proj/_apis/wit/wiql",
        ),
        ("http://127.0.0.1:8080/local?x=1", "http://127.0.0.1:8080/local/My%20Proj/_apis/wit/wiql"),
    ],
)
def test_urls_append_quoted_segments_to_any_org_url(org_url: str, expected: str) -> None:
    client = Client(httpx.AsyncClient(), org_url, "My Proj")
    assert str(client.url("wiql", project=True)) == expected


def test_project_names_cannot_escape_their_segment() -> None:
    client = Client(httpx.AsyncClient(), "https://dev.azure.com/o", "a/b?c#d")
    url = client.url("wiql", project=True)
    assert url.path == "/o/a/b?c#d/_apis/wit/wiql"
    assert url.raw_path == b"/o/a%2Fb%3Fc%23d/_apis/wit/wiql"


def test_work_item_url_ends_in_the_id() -> None:
    client = Client(httpx.AsyncClient(), "https://tfs.example.com/tfs/DefaultCollection", "P")
    assert client.work_item_url(42) == (
        "https://tfs.example.com/tfs/DefaultCollection/_apis/wit/workItems/42"
    )


@pytest.mark.parametrize("bad", ["dev.azure.com/fabrikam", "ftp://x/y", "https://", ""])
def test_bad_org_urls_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_org_url(bad)


def test_a_project_is_required() -> None:
    with pytest.raises(ConfigError, match="no project"):
        Client(httpx.AsyncClient(), "https://dev.azure.com/o", "")


# -- answers the emulator cannot give (mocked) ------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def mocked(handler: Handler, token: Token | None = None) -> Client:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    retry = RetryPolicy(max_attempts=3, base_delay=0.0)
    return Client(http, "https://dev.azure.com/fabrikam", "Proj", token=token, retry=retry)


SIGN_IN_PAGE = "<!DOCTYPE html><html><head><title>Sign In</title></head><body>...</body></html>"


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(203, html=SIGN_IN_PAGE),
        httpx.Response(203, json={"count": 0, "value": []}),
        httpx.Response(200, html=SIGN_IN_PAGE),
        httpx.Response(401, json={"message": "TF400813: The user '' is not authorized."}),
    ],
)
async def test_sign_in_pages_and_401_are_auth_errors(response: httpx.Response) -> None:
    async with mocked(lambda _: response, Token("secret-pat", "basic")) as client:
        with pytest.raises(AuthError) as caught:
            await client.get_item(1)
    assert caught.value.message == "the token was refused (expired or wrong?)"
    assert caught.value.hint is not None
    assert "AZURE_DEVOPS_EXT_PAT" in caught.value.hint


async def test_401_without_a_token_says_none_was_given() -> None:
    async with mocked(lambda _: httpx.Response(401)) as client:
        with pytest.raises(AuthError, match="none was given"):
            await client.query_ids("SELECT [System.Id] FROM WorkItems")


async def test_every_request_carries_suppress_and_the_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"count": 0, "value": []})

    async with mocked(handler, Token("p", "basic")) as client:
        await client.get_items([1])
    assert seen[0].headers["X-TFS-FedAuthRedirect"] == "Suppress"
    assert seen[0].headers["Authorization"] == "Basic OnA="
    assert seen[0].url.params["api-version"] == "7.1"
    assert json.loads(seen[0].content) == {
        "ids": [1],
        "$expand": "relations",
        "errorPolicy": "omit",
    }


async def test_an_http_error_wrapped_like_a_collection_is_read() -> None:
    body = {"count": 1, "value": {"Message": "VS403474: You requested 201 work items"}}
    async with mocked(lambda _: httpx.Response(400, json=body)) as client:
        with pytest.raises(ServerError, match="VS403474: You requested 201 work items"):
            await client.get_items([1])


async def test_rule_validation_errors_name_the_item_and_every_field() -> None:
    body = {
        "$id": "1",
        "customProperties": {
            "RuleValidationErrors": [
                {
                    "fieldReferenceName": "System.State",
                    "errorMessage": "The field 'State' contains the value 'Done' that is not "
                    "in the list of supported values",
                },
                {
                    "fieldReferenceName": "System.Title",
                    "errorMessage": "TF401320: Rule Error for "
                    "field Title. Error code: Required, InvalidEmpty.",
                },
            ]
        },
        "message": "The field 'State' contains the value 'Done' that is not in the list of "
        "supported values One additional error occurred during validation of the work item.",
        "typeKey": "RuleValidationException",
    }
    async with mocked(lambda _: httpx.Response(400, json=body)) as client:
        with pytest.raises(ServerError) as caught:
            await client.update_item(
                7, [{"op": "add", "path": "/fields/System.State", "value": "Done"}]
            )
    error = caught.value
    assert error.work_item == 7
    assert error.field == "System.State"
    assert error.status == 400
    assert error.message.startswith("work item 7, field System.State: The field 'State'")
    assert "TF401320: Rule Error for field Title" in error.message
    assert error.type_key == "RuleValidationException"


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (
            "TF401320: Rule Error for field Remaining Work. Error code: InvalidEmpty.",
            "Remaining Work",
        ),
        ("TF51535: Cannot find field Custom.Nope.", "Custom.Nope"),
        (
            "TF401347: Invalid tree name given for work item -1, field 'System.AreaPath'.",
            "System.AreaPath",
        ),
        ("The identity value 'x' for field 'Assigned To' is an unknown identity.", "Assigned To"),
        (
            "VS403182: The System.ChangedDate field cannot be modified without bypassing rules.",
            "System.ChangedDate",
        ),
        ("VS403354: Index out of range for path /relations/4", None),
    ],
)
async def test_server_messages_name_the_field(message: str, field: str | None) -> None:
    body = {"message": message, "typeKey": "X"}
    async with mocked(lambda _: httpx.Response(400, json=body)) as client:
        with pytest.raises(ServerError) as caught:
            await client.create_item(
                "Task", [{"op": "add", "path": "/fields/System.Title", "value": "t"}]
            )
    assert caught.value.field == field
    assert caught.value.work_item == "new Task"
    assert message in caught.value.message


@pytest.mark.parametrize("status", [409, 412])
async def test_409_and_412_are_conflicts_and_not_retried(status: int) -> None:
    calls = 0

    def handler(_: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(
            status, json={"message": "VS403351: Test Operation for path /rev failed"}
        )

    async with mocked(handler) as client:
        with pytest.raises(ConflictError, match="work item 3: changed on the board"):
            await client.update_item(3, [{"op": "test", "path": "/rev", "value": 1}])
    assert calls == 1


async def test_plain_text_and_empty_error_bodies() -> None:
    async with mocked(lambda _: httpx.Response(500, text="boom")) as client:
        with pytest.raises(ServerError, match="work item 9: boom"):
            await client.delete_item(9)
    async with mocked(lambda _: httpx.Response(404)) as client:
        with pytest.raises(NotFoundError, match="Not Found"):
            await client.delete_item(9)


async def test_a_write_whose_answer_is_lost_is_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ReadTimeout("timed out", request=request)

    async with mocked(handler) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.update_item(5, [{"op": "test", "path": "/rev", "value": 1}])
    assert calls == 1
    assert caught.value.work_item == 5


async def test_batch_answers_the_emulator_does_not_give() -> None:
    """A `body` sent as an object rather than JSON text, a 200 entry that is not JSON, and
    more answers than requests (nothing to match them with)."""
    item = {"id": 7, "rev": 1, "fields": {"System.Title": "t"}}
    entries = [{"code": 200, "body": item}, {"code": 200, "body": "<html>"}]
    repeat = 2

    def handler(request: httpx.Request) -> httpx.Response:
        assert len(json.loads(request.content)) == len(entries)
        return httpx.Response(200, json={"value": entries * repeat})

    creates = [BatchCreate("Task", title("a")), BatchCreate("Task", title("b"))]
    async with mocked(handler) as client:
        with pytest.raises(WireFormatError, match="4 answers for 2 requests"):
            await client.batch(creates)
        repeat = 1
        first, second = await client.batch(creates)
    assert isinstance(first, LiveItem)
    assert first.id == 7
    assert isinstance(second, WireFormatError)
    assert "new Task" in second.message


# -- against the emulator ---------------------------------------------------------------------

ORG = "http://local-board/local"


class Board:
    """An in-process emulator and what the client's requests got back (statuses, headers)."""

    def __init__(self, options: EmulatorOptions | None = None, project: str = "Proj") -> None:
        self.app = create_app(projects=[project], options=options)
        self.answers: list[httpx.Response] = []
        self.sleeps: list[float] = []

        async def record(response: httpx.Response) -> None:
            self.answers.append(response)

        self.http = httpx.AsyncClient(
            transport=asgi_transport(self.app), event_hooks={"response": [record]}
        )
        self.project = project

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(seconds)

    def client(self, **kwargs: Any) -> Client:
        # Short waits keep the suite fast; the Retry-After test passes its own policy.
        fast = RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.05, max_retry_after=0.05)
        kwargs.setdefault("retry", fast)
        return Client(self.http, ORG, self.project, sleep=self.sleep, **kwargs)

    def set_options(self, options: EmulatorOptions) -> None:
        self.app.state.emulator.options = options


MARKER = "https://witsync.invalid/s/k"


def title(text: str) -> list[dict[str, Any]]:
    return [{"op": "add", "path": "/fields/System.Title", "value": text}]


@pytest.fixture
async def board() -> AsyncIterator[Board]:
    board = Board()
    yield board
    await board.http.aclose()


async def test_create_read_update_delete_round_trip(board: Board) -> None:
    client = board.client()
    parent = await client.create_item("User Story", title("story"))
    ops = [
        *title("task"),
        {"op": "add", "path": "/fields/System.Tags", "value": "b; a"},
        {
            "op": "add",
            "path": "/relations/-",
            "value": {"rel": REL_PARENT, "url": client.work_item_url(parent.id)},
        },
        {"op": "add", "path": "/relations/-", "value": {"rel": "Hyperlink", "url": MARKER}},
    ]
    task = await client.create_item("Task", ops, suppress_notifications=True)
    assert task.rev == 1
    assert task.fields["System.Tags"] == "a; b"
    relations = [(r.rel, r.target_id) for r in task.relations]
    assert relations == [(REL_PARENT, parent.id), ("Hyperlink", None)]

    read = await client.get_item(task.id)
    assert read is not None
    assert (read.rev, read.relations) == (task.rev, task.relations)

    updated = await client.update_item(
        task.id, [{"op": "test", "path": "/rev", "value": 1}, *title("task 2")]
    )
    assert (updated.rev, updated.title) == (2, "task 2")

    with pytest.raises(ConflictError) as caught:
        await client.update_item(task.id, [{"op": "test", "path": "/rev", "value": 1}, *title("x")])
    assert caught.value.status == 412
    assert caught.value.work_item == task.id

    history = await client.get_updates(task.id)
    assert [update["rev"] for update in history][-1] == 2

    await client.delete_item(task.id)
    assert await client.get_item(task.id) is None
    left = await client.get_items([task.id, parent.id, 999_999])
    assert [item.id for item in left] == [parent.id]


def sub_requests(answer: httpx.Response) -> list[dict[str, Any]]:
    """The `$batch` body a recorded answer was the reply to."""
    assert answer.request.url.path.endswith("/_apis/wit/$batch")
    body: list[dict[str, Any]] = json.loads(answer.request.content)
    return body


async def test_batch_creates_and_updates_in_one_request() -> None:
    board = Board(project="My Proj")
    client = board.client()
    existing = await client.create_item("Task", title("old"))
    before = client.request_count
    story, task, updated = await client.batch(
        [
            BatchCreate("User Story", title("story")),
            BatchCreate("Task", title("task")),
            BatchUpdate(existing.id, [{"op": "test", "path": "/rev", "value": 1}, *title("new")]),
        ],
        suppress_notifications=True,
    )
    assert client.request_count - before == 1
    sent = sub_requests(board.answers[-1])
    assert isinstance(story, LiveItem)
    assert isinstance(task, LiveItem)
    assert isinstance(updated, LiveItem)
    assert (story.fields["System.WorkItemType"], story.title) == ("User Story", "story")
    assert (task.fields["System.WorkItemType"], task.rev) == ("Task", 1)
    assert (updated.id, updated.rev, updated.title) == (existing.id, 2, "new")
    assert {story.id, task.id, existing.id} == {
        item.id for item in await client.get_items([story.id, task.id, existing.id])
    }
    flags = "?api-version=7.1&suppressNotifications=true"
    # encoded as any client encodes a path; the server decodes it before routing
    assert [(s["method"], s["uri"]) for s in sent] == [
        ("PATCH", f"/My%20Proj/_apis/wit/workitems/$User%20Story{flags}"),
        ("PATCH", f"/My%20Proj/_apis/wit/workitems/$Task{flags}"),
        ("PATCH", f"/_apis/wit/workitems/{existing.id}{flags}"),
    ]
    # unique temporary ids: two creates without one would collide at -1 (VS403357)
    assert [s["body"][0] for s in sent[:2]] == [
        {"op": "add", "path": "/id", "value": -1},
        {"op": "add", "path": "/id", "value": -2},
    ]
    assert sent[2]["body"][0] == {"op": "test", "path": "/rev", "value": 1}


async def test_a_batch_entry_refused_while_saving_fails_alone(board: Board) -> None:
    client = board.client()
    refused, saved = await client.batch(
        [BatchCreate("Task", []), BatchCreate("Task", title("kept"))]
    )
    assert isinstance(refused, ServerError)
    assert (refused.status, refused.work_item, refused.field) == (400, "new Task", "System.Title")
    assert "Title" in refused.message
    assert isinstance(saved, LiveItem)
    assert await client.get_item(saved.id) is not None


async def test_a_short_batch_answer_means_nothing_was_saved(board: Board) -> None:
    client = board.client()
    item = await client.create_item("Task", [*title("a"), *TAGGED])
    stale = BatchUpdate(item.id, [{"op": "test", "path": "/rev", "value": 9}, *title("b")])
    with pytest.raises(BatchRefusedError, match="VS403351") as caught:
        await client.batch([BatchCreate("Task", [*title("not saved"), *TAGGED]), stale])
    assert [type(error) for error in caught.value.errors] == [ConflictError]
    assert caught.value.status == 412
    assert caught.value.hint is not None
    assert await count_tagged(board) == 1, "the create was not saved"
    after = await client.get_item(item.id)
    assert after is not None
    assert (after.rev, after.title) == (1, "a")


async def test_a_batch_whose_answer_is_lost_is_unknown_and_sent_once(board: Board) -> None:
    client = board.client()
    board.set_options(EmulatorOptions(commit_drop_rate=1.0))
    creates = [BatchCreate("Task", [*title(f"t{n}"), *TAGGED]) for n in range(3)]
    with pytest.raises(OutcomeUnknownError, match="may or may not have been saved"):
        await client.batch(creates)
    assert client.request_count == 1, "a write whose outcome is unknown is never resent"
    assert await count_tagged(board) == 3, "saved, though no answer came"


async def test_batch_deletes_go_to_the_recycle_bin(board: Board) -> None:
    client = board.client()
    kept, gone = [await client.create_item("Task", title(t)) for t in ("kept", "gone")]
    results = await client.batch(
        [BatchDelete(gone.id), BatchUpdate(kept.id, [{"op": "test", "path": "/rev", "value": 1}])]
    )
    assert results[0] == Deleted(gone.id)
    delete = sub_requests(board.answers[-1])[0]
    assert (delete["method"], delete.get("body")) == ("DELETE", None)
    assert await client.get_item(gone.id) is None
    assert gone.id in await client.deleted_ids()


async def test_sub_requests_answered_429_or_503_are_sent_again_alone(board: Board) -> None:
    client = board.client()
    items = [await client.create_item("Task", title(f"t{n}")) for n in range(4)]
    board.set_options(EmulatorOptions(batch_faults=((items[1].id, 429), (items[3].id, 503))))
    sent = len(board.answers)
    results = await client.batch(
        [
            BatchUpdate(item.id, [{"op": "test", "path": "/rev", "value": 1}, *title("v2")])
            for item in items
        ]
    )
    assert [r.title for r in results if isinstance(r, LiveItem)] == ["v2"] * 4
    batches = [sub_requests(answer) for answer in board.answers[sent:]]
    # the throttled two went again, and only they; after the server's Retry-After
    assert [len(batch) for batch in batches] == [4, 2]
    assert [s["uri"].split("?")[0].rsplit("/", 1)[-1] for s in batches[1]] == [
        str(items[1].id),
        str(items[3].id),
    ]
    assert board.sleeps == [0.05]  # Retry-After: 1, capped by this policy's max_retry_after
    for item in items:
        read = await client.get_item(item.id)
        assert read is not None
        assert (read.rev, read.title) == (2, "v2")


async def test_a_sub_request_still_throttled_after_the_last_attempt_is_its_own_error(
    board: Board,
) -> None:
    client = board.client(retry=RetryPolicy(max_attempts=3, base_delay=0.0, max_retry_after=0))
    items = [await client.create_item("Task", title(f"t{n}")) for n in range(2)]
    board.set_options(EmulatorOptions(batch_faults=((items[0].id, 429),) * 3))
    ok_first = [BatchUpdate(items[1].id, [*title("v2")]), BatchUpdate(items[0].id, title("v2"))]
    saved, throttled = await client.batch(ok_first)
    assert isinstance(saved, LiveItem)
    assert isinstance(throttled, TransientError)
    assert (throttled.status, throttled.work_item) == (429, items[0].id)
    assert client.request_count == 2 + 3  # the creates, then the batch tried three times


async def test_a_refused_retry_leaves_the_first_answers_alone(board: Board) -> None:
    """Two throttled sub-requests are sent again and refused (someone changed one's item in
    between): those two get the refusal, the one saved the first time keeps its item."""

    edits: list[int] = []

    async def someone_edits_b(seconds: float) -> None:  # between the first answer and the retry
        if not edits:
            edits.append(b.id)
            await client.update_item(b.id, title("someone"))

    client = Client(board.http, ORG, board.project, sleep=someone_edits_b)
    a, b, c = [await client.create_item("Task", title(t)) for t in ("a", "b", "c")]
    board.set_options(EmulatorOptions(batch_faults=((b.id, 503), (c.id, 503))))
    guarded = [{"op": "test", "path": "/rev", "value": 1}, *title("v2")]
    first, second, third = await client.batch([BatchUpdate(i.id, guarded) for i in (a, b, c)])
    assert isinstance(first, LiveItem)
    assert first.title == "v2"
    assert isinstance(second, BatchRefusedError)
    assert second is third
    assert [type(error) for error in second.errors] == [ConflictError]


async def test_a_batch_carries_at_most_200_and_an_empty_one_is_not_sent(board: Board) -> None:
    client = board.client()
    assert await client.batch([]) == []
    with pytest.raises(ValueError, match="at most 200"):
        await client.batch([BatchCreate("Task", title("t"))] * 201)
    assert client.request_count == 0


async def test_validate_only_saves_nothing(board: Board) -> None:
    client = board.client()
    item = await client.create_item("Task", title("a"))
    checked = await client.update_item(
        item.id, [{"op": "test", "path": "/rev", "value": 1}, *title("b")], validate_only=True
    )
    assert checked.rev == 1
    after = await client.get_item(item.id)
    assert after is not None
    assert (after.rev, after.title) == (1, "a")


async def test_rule_errors_from_the_board_name_item_and_field(board: Board) -> None:
    client = board.client()
    item = await client.create_item("Task", title("a"))
    with pytest.raises(ServerError) as caught:
        await client.update_item(
            item.id, [{"op": "add", "path": "/fields/Custom.Nope", "value": 1}]
        )
    assert caught.value.work_item == item.id
    assert caught.value.field == "Custom.Nope"
    assert "TF51535" in caught.value.message
    with pytest.raises(ServerError) as caught:
        await client.update_item(
            item.id, [{"op": "add", "path": "/fields/System.State", "value": "No"}]
        )
    assert caught.value.field is not None
    assert "State" in caught.value.field


async def test_process_metadata_of_an_agile_project(board: Board) -> None:
    client = board.client()
    process = await client.get_process()
    assert {"Epic", "Feature", "User Story", "Task", "Bug"} <= set(process.types)
    task = process.types["Task"]
    assert task.initial_state == "New"
    assert {s.category for s in task.states} >= {"Proposed", "Completed"}
    assert "System.Title" in task.fields
    assert process.fields["System.AreaPath"].type == "treePath"
    assert "Proj" in process.area_paths
    assert "Proj" in process.iteration_paths
    assert client.request_count <= 3 + len(process.types), "states come with the types"


async def test_wiql_pages_by_id_ranges(board: Board) -> None:
    client = board.client(wiql_page=3)
    tag = [{"op": "add", "path": "/fields/System.Tags", "value": "it's"}]
    ids = [(await client.create_item("Task", [*title(f"t{i}"), *tag])).id for i in range(7)]
    await client.create_item("Task", title("untagged"))
    before = client.request_count
    query = (
        "SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS "
        + literal("it's")
        + " ORDER BY [System.Id]"
    )
    assert await client.query_ids(query) == ids
    assert client.request_count - before == 3, "7 results in pages of 3: 3 + 3 + 1"


async def test_reads_are_batched_by_200_and_concurrent(board: Board) -> None:
    client = board.client()
    ids = [(await client.create_item("Task", title(f"t{i}"))).id for i in range(201)]
    before = client.request_count
    items = await client.get_items([*reversed(ids), ids[0]])
    assert [item.id for item in items] == list(reversed(ids))
    assert client.request_count - before == 2


# -- faults, throttling and retries (the emulator's fault options) ----------------------------

TAGGED = [{"op": "add", "path": "/fields/System.Tags", "value": "faulty"}]
TAGGED_QUERY = (
    "SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'faulty' ORDER BY [System.Id]"
)


async def count_tagged(board: Board) -> int:
    board.set_options(EmulatorOptions())
    return len(await board.client().query_ids(TAGGED_QUERY))


async def test_503s_are_retried_for_reads_and_writes_without_duplicates() -> None:
    board = Board(EmulatorOptions(fail_rate=0.4, seed=7))
    client = board.client()
    for i in range(10):
        await client.create_item("Task", [*title(f"t{i}"), *TAGGED])
    assert len(await client.query_ids(TAGGED_QUERY)) == 10
    assert any(answer.status_code == 503 for answer in board.answers)
    assert client.request_count == len(board.answers)
    assert await count_tagged(board) == 10


async def test_a_server_that_stays_unavailable_gives_a_transient_error() -> None:
    board = Board(EmulatorOptions(fail_rate=1.0))
    client = board.client(retry=RetryPolicy(max_attempts=3, base_delay=0.0, max_retry_after=0.0))
    with pytest.raises(TransientError, match="HTTP 503"):
        await client.get_items([1])
    assert client.request_count == 3


async def test_dropped_connections_retry_reads_and_make_writes_unknown() -> None:
    board = Board(EmulatorOptions(drop_rate=0.3, seed=11))
    client = board.client()
    created = unknown = 0
    for i in range(30):
        try:
            await client.create_item("Task", [*title(f"t{i}"), *TAGGED])
            created += 1
        except OutcomeUnknownError:
            unknown += 1
    assert created > 0
    assert unknown > 0
    for _ in range(5):
        assert len(await client.query_ids(TAGGED_QUERY)) == created
    assert client.request_count > len(board.answers), "some requests never got an answer"
    # A drop before processing saved nothing: the board has exactly the creates that answered.
    assert await count_tagged(board) == created


async def test_a_write_saved_before_the_connection_dropped_is_unknown_not_repeated() -> None:
    board = Board()
    client = board.client()
    item = await client.create_item("Task", title("a"))
    board.set_options(EmulatorOptions(commit_drop_rate=1.0))
    before = client.request_count
    with pytest.raises(OutcomeUnknownError):
        await client.create_item("Task", [*title("b"), *TAGGED])
    with pytest.raises(OutcomeUnknownError):
        await client.update_item(item.id, [{"op": "test", "path": "/rev", "value": 1}, *title("c")])
    assert client.request_count - before == 2, "no write was sent twice"
    assert await count_tagged(board) == 1
    after = await client.get_item(item.id)
    assert after is not None
    assert (after.rev, after.title) == (2, "c")


async def test_429_waits_for_retry_after_then_succeeds() -> None:
    board = Board(EmulatorOptions(rate_limit=4, rate_window_s=1.0))
    client = board.client(retry=RetryPolicy(max_attempts=4, base_delay=0.01))
    for _ in range(10):
        await client.get_items([1])
    throttled = [answer for answer in board.answers if answer.status_code == 429]
    assert throttled, "the emulator throttled"
    retry_after = [float(answer.headers["Retry-After"]) for answer in throttled]
    assert sum(board.sleeps) >= sum(retry_after) - 0.05
    assert all(answer.status_code in (200, 429) for answer in board.answers)


async def test_the_client_slows_down_before_the_limit() -> None:
    board = Board(EmulatorOptions(rate_limit=20, rate_window_s=60.0))
    client = board.client()
    for _ in range(10):
        await client.get_items([1])
    assert client.transport.pacer.spacing == 0.0, "far from the limit: full speed"
    for _ in range(9):
        await client.get_items([1])
    assert client.transport.pacer.spacing > 0.0, "close to the limit: spaced out"
    assert all(answer.status_code == 200 for answer in board.answers)


# -- over a socket (`witsync serve`) ----------------------------------------------------------


@pytest.mark.parametrize(
    "emulator_server", [["--drop-rate", "0.25", "--fail-rate", "0.1", "--seed", "5"]], indirect=True
)
async def test_over_a_socket_with_faults(emulator_server: str) -> None:
    async with httpx.AsyncClient(timeout=10.0) as http:
        retry = RetryPolicy(max_attempts=10, base_delay=0.01, max_delay=0.05, max_retry_after=0.05)
        client = Client(http, f"{emulator_server}/acme", "Fabrikam", retry=retry)
        created: list[int] = []
        unknown = 0
        for i in range(20):
            try:
                created.append((await client.create_item("Task", [*title(f"t{i}"), *TAGGED])).id)
            except OutcomeUnknownError:
                unknown += 1
        assert unknown > 0, "some connections dropped"
        assert created, "some writes answered"
        # Reads never fail: dropped connections and 503s are retried.
        assert await client.query_ids(TAGGED_QUERY) == sorted(created)
        assert [item.id for item in await client.get_items(created)] == created
        process = await client.get_process()
    assert "Task" in process.types


async def test_a_long_history_is_read_whole_and_once(board: Board) -> None:
    client = board.client()
    item = await client.create_item("Task", title("v0"))
    for n in range(1, 205):
        await client.update_item(item.id, title(f"v{n}"))
    history = await client.get_updates(item.id)
    assert [update["rev"] for update in history] == list(range(1, 206))


async def test_gather_all_cancels_the_rest_and_raises_the_first_failure() -> None:
    cancelled: list[bool] = []

    async def slow() -> int:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return 1

    async def fail() -> int:
        await asyncio.sleep(0)
        raise NotFoundError("gone")

    with pytest.raises(NotFoundError, match="gone"):
        await gather_all(slow(), fail())
    assert cancelled == [True]
    assert await gather_all(asyncio.sleep(0, result=1), asyncio.sleep(0, result=2)) == [1, 2]


async def test_redirects_are_not_followed() -> None:
    to_sign_in = httpx.Response(
        302, headers={"Location": "https://login.microsoftonline.com/x?client=secret-ish"}
    )
    async with mocked(lambda _: to_sign_in, Token("p", "basic")) as client:
        with pytest.raises(AuthError, match="token was refused"):
            await client.get_items([1])
    moved = httpx.Response(301, headers={"Location": "https://dev.azure.com/renamed/_apis?x=1"})
    async with mocked(lambda _: moved) as client:
        with pytest.raises(
            ServerError, match=r"redirected the request to https://dev.azure.com/renamed/_apis$"
        ):
            await client.get_items([1])


async def test_concurrent_reads_share_a_retry_after() -> None:
    board = Board(EmulatorOptions(rate_limit=4, rate_window_s=1.0))
    client = board.client(retry=RetryPolicy(max_attempts=4, base_delay=0.01), max_concurrency=2)
    assert await client.get_items(range(1, 2001)) == []
    statuses = [answer.status_code for answer in board.answers]
    assert statuses.count(200) == 10
    # Once one request is told to wait, the queued ones wait too instead of collecting 429s.
    assert 1 <= statuses.count(429) <= 2, "at most one per window of 4 requests"


@pytest.mark.parametrize("emulator_server", [["--latency-ms", "400"]], indirect=True)
async def test_a_timeout_after_sending_a_write_is_an_unknown_outcome(emulator_server: str) -> None:
    org = f"{emulator_server}/acme"
    retry = RetryPolicy(max_attempts=2, base_delay=0.01)
    async with httpx.AsyncClient(timeout=0.15) as impatient:
        client = Client(impatient, org, "Fabrikam", retry=retry)
        with pytest.raises(OutcomeUnknownError, match="no answer came back"):
            await client.create_item("Task", [*title("slow"), *TAGGED])
        assert client.request_count == 1
        with pytest.raises(TransientError, match=r"no answer within 0.15 s for POST .*tried 2 t"):
            await client.get_items([1])
        assert client.request_count == 3, "the read was tried twice"
    await asyncio.sleep(0.5)
    async with httpx.AsyncClient(timeout=10.0) as patient:
        # Saved or not, it was sent once: never twice.
        assert len(await Client(patient, org, "Fabrikam").query_ids(TAGGED_QUERY)) <= 1


async def test_an_unknown_project_is_not_found(board: Board) -> None:
    client = Client(board.http, ORG, "Nope")
    with pytest.raises(NotFoundError) as caught:
        await client.query_ids(TAGGED_QUERY)
    assert "Nope" in caught.value.message
    assert caught.value.hint is not None
    assert "project name" in caught.value.hint
