"""The token never shows: not in reprs, messages, tracebacks, nor in HTTP debug logs."""

from __future__ import annotations

import base64
import logging
import pickle
import traceback
from collections.abc import AsyncIterator

import httpx
import pytest

from witsync.client import Client
from witsync.emulator import EmulatorOptions, asgi_transport, create_app
from witsync.errors import AuthError, ConfigError, WitsyncError
from witsync.http import RetryPolicy, Token, token_from_env

SECRET = "pat-5ecret-zq81x"
WRONG = "pat-wrong-77yy"


def forms(secret: str) -> list[str]:
    """Every way the secret could leak: as is, and inside the Basic header."""
    return [secret, base64.b64encode(f":{secret}".encode()).decode()]


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
