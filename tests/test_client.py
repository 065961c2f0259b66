"""The client: URLs, backoff and pacing, error messages; and every REST call against the emulator.

HTTP mocks appear only for answers the emulator cannot give (a 203 sign-in page, odd error
bodies seen on real servers); everything else runs against the real emulator.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import httpx
import pytest

from witsync.client import Client, parse_org_url
from witsync.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
)
from witsync.http import Pacer, RetryPolicy, Token, parse_retry_after, token_from_env

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
