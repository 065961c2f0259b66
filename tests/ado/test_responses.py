"""Answers that are not a success become the right ServerError: class, message, field, hint.

The emulator's own error answers are used where it gives them; hand-made responses stand in only
for shapes it never sends (HTML error pages, redirects, odd bodies seen on real servers).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from witsync.ado.failures import AUTH_HINT, raise_for_response
from witsync.emulator import EmulatorOptions, asgi_transport, create_app
from witsync.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    ServerError,
    TransientError,
)

PATCH = {"Content-Type": "application/json-patch+json"}
TITLE = [{"op": "add", "path": "/fields/System.Title", "value": "t"}]
ITEMS = "/org/Proj/_apis/wit/workitems"
V = "?api-version=7.1"


def error_of(
    response: httpx.Response, *, work_item: int | str | None = None, has_token: bool = True
) -> ServerError:
    with pytest.raises(ServerError) as caught:
        raise_for_response(response, work_item=work_item, has_token=has_token)
    return caught.value


def summary(error: ServerError) -> tuple[Any, ...]:
    return (type(error), error.status, error.work_item, error.field, error.type_key)


@pytest.fixture
async def emulator() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(projects=["Proj"])
    async with httpx.AsyncClient(transport=asgi_transport(app), base_url="http://e") as http:
        created = await http.post(f"{ITEMS}/$Task{V}", json=TITLE, headers=PATCH)
        assert created.json()["id"] == 1
        yield http


# -- the emulator's answers -------------------------------------------------------------------


async def test_success_returns(emulator: httpx.AsyncClient) -> None:
    answer = await emulator.get(f"{ITEMS}/1{V}")
    assert raise_for_response(answer, work_item=1, has_token=False) is None


async def test_a_missing_item_is_not_found(emulator: httpx.AsyncClient) -> None:
    error = error_of(await emulator.get(f"{ITEMS}/99{V}"), work_item=99)
    assert summary(error) == (NotFoundError, 404, 99, None, "WorkItemUnauthorizedAccessException")
    assert error.message == (
        "work item 99: not found: TF401232: Work item 99 does not exist, or you do not have "
        "permissions to read it."
    )
    assert error.hint == "check the organization URL, the project name and the work item id"


async def test_a_missing_project_is_not_found(emulator: httpx.AsyncClient) -> None:
    error = error_of(await emulator.get(f"/org/Nope/_apis/wit/workitems/1{V}"))
    assert isinstance(error, NotFoundError)
    assert error.message.startswith("not found: TF200016: The following project does not exist")


async def test_a_failed_rev_test_is_a_conflict(emulator: httpx.AsyncClient) -> None:
    guarded = [{"op": "test", "path": "/rev", "value": 5}, *TITLE]
    error = error_of(
        await emulator.patch(f"{ITEMS}/1{V}", json=guarded, headers=PATCH), work_item=1
    )
    assert summary(error) == (ConflictError, 412, 1, None, "TestPatchOperationFailedException")
    assert error.message == (
        "work item 1: changed on the board since it was read: VS403351: Test Operation for path "
        "/rev failed, value 1 was not equal to test value 5."
    )
    assert error.hint is not None
    assert "witsync plan" in error.hint


async def test_a_rule_error_names_the_field_and_says_to_fix_the_manifest(
    emulator: httpx.AsyncClient,
) -> None:
    bad_state = [{"op": "add", "path": "/fields/System.State", "value": "Bogus"}]
    answer = await emulator.patch(f"{ITEMS}/1{V}", json=bad_state, headers=PATCH)
    error = error_of(answer, work_item=1)
    assert summary(error) == (ServerError, 400, 1, "System.State", "RuleValidationException")
    assert error.message == (
        "work item 1, field System.State: The field 'State' contains the value 'Bogus' that is "
        "not in the list of supported values"
    )
    assert (
        error.hint == "the process rules of the project refused the value; fix it in the manifest"
    )


async def test_an_unknown_field_is_named_from_the_message(emulator: httpx.AsyncClient) -> None:
    unknown = [{"op": "add", "path": "/fields/Custom.Nope", "value": "x"}]
    answer = await emulator.post(f"{ITEMS}/$Task{V}", json=unknown, headers=PATCH)
    error = error_of(answer, work_item="new Task")
    assert summary(error)[:4] == (ServerError, 400, "new Task", "Custom.Nope")
    assert (
        error.message
        == "work item new Task, field Custom.Nope: TF51535: Cannot find field Custom.Nope."
    )
    assert (
        error.hint
        == "fix the manifest or the configuration named above, then run the command again"
    )


async def test_throttled_and_unavailable_are_transient() -> None:
    app = create_app(projects=["Proj"], options=EmulatorOptions(rate_limit=1))
    async with httpx.AsyncClient(transport=asgi_transport(app), base_url="http://e") as http:
        await http.get(f"{ITEMS}/1{V}")
        throttled = error_of(await http.get(f"{ITEMS}/1{V}"), work_item=1)
        app.state.emulator.options = EmulatorOptions(fail_rate=1.0)
        unavailable = error_of(await http.get(f"{ITEMS}/1{V}"))
    assert summary(throttled) == (TransientError, 429, 1, None, "RequestBlockedException")
    assert throttled.message.startswith(
        "work item 1: the server stayed busy or unavailable (HTTP 429): TF400733:"
    )
    assert summary(unavailable) == (TransientError, 503, None, None, "ServiceUnavailableException")
    assert unavailable.hint == "wait a few minutes and run the command again"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "the server wants a token and none was given"),
        ("wrong", "the token was refused (expired or wrong?)"),
    ],
)
async def test_a_sign_in_page_is_an_auth_error(token: str | None, message: str) -> None:
    app = create_app(projects=["Proj"], options=EmulatorOptions(pat="right"))
    headers = {}
    if token is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f":{token}".encode()).decode()
    async with httpx.AsyncClient(transport=asgi_transport(app), base_url="http://e") as http:
        answer = await http.get(f"{ITEMS}/1{V}", headers=headers)
    assert answer.status_code == 203  # the service's sign-in page, with a success status
    error = error_of(answer, has_token=token is not None)
    assert (type(error), error.status, error.message) == (AuthError, 203, message)
    assert error.hint is not None
    assert AUTH_HINT in error.hint


# -- shapes the emulator does not send --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (409, ConflictError),
        (412, ConflictError),
        (429, TransientError),
        (502, TransientError),
        (503, TransientError),
        (504, TransientError),
        (400, ServerError),
        (500, ServerError),
    ],
)
def test_each_status_has_its_error_class(status: int, kind: type[ServerError]) -> None:
    error = error_of(httpx.Response(status, json={"message": "m"}))
    assert type(error) is kind
    assert error.status == status


def test_a_403_means_a_valid_token_without_permission() -> None:
    error = error_of(httpx.Response(403, json={"message": "TF400813: denied"}), work_item=4)
    assert error.message == "work item 4: access denied: TF400813: denied"
    assert error.hint == "the token is valid but lacks permission here; " + AUTH_HINT


def test_a_server_failure_says_to_report_it_when_it_persists() -> None:
    error = error_of(httpx.Response(500, json={"message": "boom", "typeKey": "Whatever"}))
    assert (error.message, error.type_key) == ("boom", "Whatever")
    assert (
        error.hint == "the server failed; run the command again, and report it if it keeps failing"
    )


def test_an_html_error_page_is_not_quoted() -> None:
    page = "<html><body><h1>Service Unavailable</h1>" + "x" * 100 + "</body></html>"
    error = error_of(httpx.Response(500, html=page))
    assert error.message == "HTTP 500 Internal Server Error"


def test_a_long_text_body_is_not_quoted_but_a_short_one_is() -> None:
    assert error_of(httpx.Response(400, text="x" * 501)).message == "HTTP 400 Bad Request"
    assert error_of(httpx.Response(400, text="short and plain")).message == "short and plain"


def test_a_collection_wrapper_is_opened_only_when_it_has_no_message_of_its_own() -> None:
    wrapped = {"count": 1, "value": {"Message": "inner"}}
    assert error_of(httpx.Response(400, json=wrapped)).message == "inner"
    both = {"message": "outer", "value": {"Message": "inner"}}
    assert error_of(httpx.Response(400, json=both)).message == "outer"


def test_rule_errors_are_read_in_any_case_and_odd_entries_skipped() -> None:
    body = {
        "customProperties": {
            "ruleValidationErrors": [
                "not a mapping",
                {"FieldReferenceName": "System.Title", "ErrorMessage": "TF401320: Title required"},
                {"fieldReferenceName": None, "errorMessage": "no field named"},
                {"fieldReferenceName": "System.State"},  # no message: adds nothing to the text
            ]
        },
        "typeKey": "RuleValidationException",
    }
    error = error_of(httpx.Response(400, json=body), work_item=3)
    assert error.field == "System.Title"
    assert (
        error.message == "work item 3, field System.Title: TF401320: Title required; no field named"
    )


def test_the_field_falls_back_to_the_message_when_rule_errors_do_not_name_one() -> None:
    body = {
        "message": "TF401320: Rule Error for field Remaining Work. Error code: InvalidEmpty.",
        "customProperties": {"RuleValidationErrors": [{"errorMessage": "TF401320: again"}]},
    }
    error = error_of(httpx.Response(400, json=body))
    assert error.field == "Remaining Work"
    assert error.message.endswith("Error code: InvalidEmpty.; TF401320: again")


def test_an_empty_body_gives_the_status_line() -> None:
    assert error_of(httpx.Response(404)).message == "not found: HTTP 404 Not Found"


@pytest.mark.parametrize(
    "location",
    [
        "https://login.microsoftonline.com/common/oauth2/authorize?x=1",
        "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com",
    ],
)
def test_a_redirect_to_sign_in_is_an_auth_error(location: str) -> None:
    error = error_of(httpx.Response(302, headers={"Location": location}), has_token=False)
    assert (type(error), error.status) == (AuthError, 302)
    assert error.message == "the server wants a token and none was given"


def test_another_redirect_is_shown_without_credentials_query_or_fragment() -> None:
    moved = httpx.Response(
        301, headers={"Location": "https://user:pa55@dev.azure.com/renamed/_apis?token=t#frag"}
    )
    error = error_of(moved)
    assert (type(error), error.status) == (ServerError, 301)
    assert (
        error.message == "the server redirected the request to https://dev.azure.com/renamed/_apis"
    )
    assert "pa55" not in error.message


@pytest.mark.parametrize("location", [None, "http://[::1"])
def test_a_redirect_to_nowhere_or_to_no_url_does_not_crash(location: str | None) -> None:
    headers = {"Location": location} if location is not None else {}
    error = error_of(httpx.Response(307, headers=headers))
    assert error.message == "the server redirected the request to ?"


def test_a_success_status_with_html_is_a_sign_in_page() -> None:
    error = error_of(httpx.Response(200, html="<html>Sign in</html>"), has_token=True)
    assert (type(error), error.message) == (AuthError, "the token was refused (expired or wrong?)")
