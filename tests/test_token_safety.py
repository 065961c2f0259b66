"""The token never shows: not in reprs, messages, tracebacks, nor in HTTP debug logs, not even
when a server or a proxy quotes it back in an error page."""

from __future__ import annotations

import base64
import json
import logging
import pickle
import traceback
from collections.abc import AsyncIterator, Callable
from urllib.parse import quote

import httpx
import pytest

from witsync import cli
from witsync.ado.batch import BatchCreate, BatchUpdate
from witsync.ado.client import Client
from witsync.ado.transport import RetryPolicy, Token, token_from_env
from witsync.emulator import EmulatorOptions, asgi_transport, create_app
from witsync.errors import AuthError, BatchRefusedError, ConfigError, ServerError, WitsyncError

SECRET = "pat-5ecret-zq81x"
WRONG = "pat-wrong-77yy"


def forms(secret: str) -> list[str]:
    """Every way the secret could leak: as is, URL-encoded, and inside the Basic header (with or
    without padding, either base64 alphabet)."""
    basic = f":{secret}".encode()
    return [
        secret,
        quote(secret, safe=""),
        base64.b64encode(basic).decode(),
        base64.b64encode(basic).decode().rstrip("="),
        base64.urlsafe_b64encode(basic).decode().rstrip("="),
    ]


def assert_clean(text: str) -> None:
    for secret in (SECRET, WRONG):
        for form in forms(secret):
            assert form not in text


@pytest.fixture
async def board() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(projects=["Proj"], options=EmulatorOptions(pat=SECRET))
    async with httpx.AsyncClient(transport=asgi_transport(app)) as http:
        yield http


def client_for(http: httpx.AsyncClient, token: Token | None) -> Client:
    retry = RetryPolicy(max_attempts=2, base_delay=0.0)
    return Client(http, "http://local-board/local", "Proj", token=token, retry=retry)


def test_token_repr_and_str_hide_the_secret() -> None:
    token = token_from_env({"AZURE_DEVOPS_EXT_PAT": SECRET})
    assert token is not None
    assert_clean(repr(token))
    assert_clean(str(token))
    assert_clean(f"{token!r} {token}")
    with pytest.raises(TypeError):
        pickle.dumps(token)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "witsync", "asyncio", "hpack"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.parametrize("kind", ["basic", "bearer"])
async def test_a_good_token_works_and_leaves_no_trace(
    board: httpx.AsyncClient, debug_logs: pytest.LogCaptureFixture, kind: str
) -> None:
    client = client_for(board, Token(SECRET, kind))  # type: ignore[arg-type]
    created = await client.create_item(
        "Task", [{"op": "add", "path": "/fields/System.Title", "value": "hello"}]
    )
    assert [item.id for item in await client.get_items([created.id])] == [created.id]
    assert debug_logs.records, "debug logging was on: the test must see what httpx logs"
    assert_clean(debug_logs.text)
    assert_clean(repr(client))


async def test_a_wrong_token_is_said_plainly_and_leaves_no_trace(
    board: httpx.AsyncClient, debug_logs: pytest.LogCaptureFixture
) -> None:
    client = client_for(board, Token(WRONG, "basic"))
    with pytest.raises(AuthError) as caught:
        await client.get_process()
    error = caught.value
    assert error.message == "the token was refused (expired or wrong?)"
    assert error.hint is not None
    assert "AZURE_DEVOPS_EXT_PAT" in error.hint
    rendered = "".join(traceback.format_exception(error))
    assert_clean(rendered + repr(error) + str(error.hint) + repr(vars(error)))
    assert_clean(debug_logs.text)


async def test_no_token_against_a_board_that_wants_one(board: httpx.AsyncClient) -> None:
    client = client_for(board, None)
    with pytest.raises(AuthError, match="none was given"):
        await client.query_ids("SELECT [System.Id] FROM WorkItems")


async def test_transport_failures_do_not_carry_the_token(
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    client = client_for(http, Token(SECRET, "basic"))
    with pytest.raises(WitsyncError) as caught:
        await client.get_item(1)
    assert_clean("".join(traceback.format_exception(caught.value)) + repr(vars(caught.value)))
    assert "ConnectError, retry 1" in debug_logs.text, "retries are logged"
    assert_clean(debug_logs.text)


@pytest.mark.parametrize("emulator_server", [["--pat", SECRET]], indirect=True)
async def test_over_a_socket_with_httpcore_debug_logs(
    emulator_server: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    async with httpx.AsyncClient() as http:
        good = Client(http, f"{emulator_server}/acme", "Fabrikam", token=Token(SECRET, "basic"))
        await good.create_item(
            "Task", [{"op": "add", "path": "/fields/System.Title", "value": "x"}]
        )
        await good.get_process()
        wrong = Client(http, f"{emulator_server}/acme", "Fabrikam", token=Token(WRONG, "bearer"))
        with pytest.raises(AuthError) as caught:
            await wrong.get_items([1])
    assert any(record.name.startswith("httpcore") for record in debug_logs.records)
    assert_clean(debug_logs.text)
    assert_clean("".join(traceback.format_exception(caught.value)))


@pytest.mark.parametrize(
    "org_url",
    [f"https://me:{SECRET}@dev.azure.com/fabrikam", f"https://{SECRET}@dev.azure.com/fabrikam"],
)
def test_a_token_pasted_into_the_org_url_is_refused_and_not_repeated(org_url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Client(httpx.AsyncClient(), org_url, "Proj")
    assert "must not hold a user name or token" in caught.value.message
    assert_clean(caught.value.message + str(caught.value.hint))


# -- a token quoted back by a server or a proxy ---------------------------------------------------

Echo = Callable[[httpx.Request], httpx.Response]


def authorization(request: httpx.Request) -> str:
    return request.headers["Authorization"]


def raw_token(request: httpx.Request) -> str:
    scheme, _, value = authorization(request).partition(" ")
    return base64.b64decode(value).decode().partition(":")[2] if scheme == "Basic" else value


def azure_error(status: int, message: str) -> httpx.Response:
    body = {"$id": "1", "innerException": None, "message": message, "typeKey": "BadRequest"}
    return httpx.Response(status, json=body)


ECHOES: dict[str, Echo] = {
    "400 quoting the header": lambda r: azure_error(
        400, f"VS800075: bad request; headers: Authorization: {authorization(r)}; Accept: */*"
    ),
    "500 quoting the header": lambda r: azure_error(
        500, f"An unexpected error occurred (request Authorization={authorization(r)})"
    ),
    "400 naming the raw token": lambda r: azure_error(
        400, f"TF400813: The user ':{raw_token(r)}' is not authorized to access this resource."
    ),
    "500 with the token in a URL": lambda r: httpx.Response(
        500, text=f"upstream failed: GET https://sso.example/cb?access_token={quote(raw_token(r))}"
    ),
    "plain-text proxy page": lambda r: httpx.Response(
        502,
        text=f"502 Bad Gateway\n\n{r.method} {r.url.path} HTTP/1.1\n"
        f"Host: {r.url.host}\nAuthorization: {authorization(r)}\n",
    ),
    "proxy dumping the headers as JSON": lambda r: httpx.Response(
        500, json={"error": "proxy failure", "request_headers": {"authorization": authorization(r)}}
    ),
}


def echo_client(echo: Echo, kind: str) -> Client:
    http = httpx.AsyncClient(transport=httpx.MockTransport(echo))
    return client_for(http, Token(SECRET, kind))  # type: ignore[arg-type]


def assert_masked(error: WitsyncError) -> None:
    """The error shows what the server said, with every form of the token masked, wherever it
    may be read: message, hint, attributes, traceback."""
    assert "***" in error.message, "the quoted text must be shown (masked), or nothing is tested"
    assert_clean("".join(traceback.format_exception(error)) + repr(vars(error)) + repr(error))


@pytest.mark.parametrize("kind", ["basic", "bearer"])
@pytest.mark.parametrize("echo", list(ECHOES))
async def test_a_token_quoted_back_in_an_error_is_masked(
    echo: str, kind: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    client = echo_client(ECHOES[echo], kind)
    with pytest.raises(ServerError) as read:
        await client.get_items([1])
    with pytest.raises(ServerError) as write:
        await client.update_item(7, [{"op": "test", "path": "/rev", "value": 1}])
    assert_masked(read.value)
    assert_masked(write.value)
    assert write.value.work_item == 7
    assert_clean(debug_logs.text)


def batch_echo(answers: int) -> Echo:
    """A `$batch` answered 200 with `answers` sub-answers, each refusing its item with a body that
    quotes the Authorization header (fewer answers than requests: the batch was refused)."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.dumps({"message": f"rejected: Authorization={authorization(request)}"})
        subs = [{"code": 400, "headers": {}, "body": body}] * answers
        return httpx.Response(200, json={"count": answers, "value": subs})

    return answer


BATCH = [
    BatchCreate("Task", [{"op": "add", "path": "/fields/System.Title", "value": "x"}]),
    BatchUpdate(5, [{"op": "test", "path": "/rev", "value": 3}]),
]


@pytest.mark.parametrize("kind", ["basic", "bearer"])
async def test_a_token_quoted_back_inside_a_batch_answer_is_masked(kind: str) -> None:
    results = await echo_client(batch_echo(2), kind).batch(BATCH)
    assert [getattr(result, "work_item", None) for result in results] == ["new Task", 5]
    for result in results:
        assert isinstance(result, ServerError)
        assert_masked(result)


async def test_a_refused_batch_masks_the_token_in_its_reasons() -> None:
    with pytest.raises(BatchRefusedError) as caught:
        await echo_client(batch_echo(1), "basic").batch(BATCH)
    assert_masked(caught.value)
    assert_masked(caught.value.errors[0])


async def test_a_redirect_is_shown_without_the_credentials_it_carries() -> None:
    to = f"https://svc:{SECRET}@proxy.example/relogin?token={SECRET}#{SECRET}"
    client = echo_client(lambda _: httpx.Response(302, headers={"Location": to}), "basic")
    with pytest.raises(ServerError) as caught:
        await client.get_items([1])
    assert caught.value.message == "the server redirected the request to https://proxy.example/relogin"


async def test_a_location_httpx_cannot_read_is_not_quoted() -> None:
    # httpx refuses the port while reading the answer, quoting it: "Invalid port: '<token>'"
    to = f"https://proxy.example:{SECRET}/"
    client = echo_client(lambda _: httpx.Response(307, headers={"Location": to}), "basic")
    with pytest.raises(ServerError) as caught:
        await client.get_items([1])
    assert "RemoteProtocolError" in caught.value.message
    assert_clean("".join(traceback.format_exception(caught.value)) + repr(vars(caught.value)))


def test_an_unexpected_error_quoting_the_token_is_printed_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # an exception that never went through a client: the environment's tokens are masked
    basic = base64.b64encode(f":{SECRET}".encode()).decode()

    def crash(args: object) -> int:
        raise httpx.InvalidURL(f"Invalid port: '{SECRET}' (Authorization: Basic {basic})")

    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", SECRET)
    monkeypatch.setattr(cli._command("plan"), "run", crash)
    assert cli.main(["plan"]) == 1
    err = capsys.readouterr().err
    assert "unexpected error (a bug in witsync" in err
    assert "InvalidURL: Invalid port: '***' (Authorization: Basic ***)" in err
    assert_clean(err)
