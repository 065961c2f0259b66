"""Faults and auth of the emulator: latency, throttling, 503s, dropped connections, tokens."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace

import httpx
import pytest
from starlette.applications import Starlette

from witsync.emulator import EmulatorOptions, asgi_transport, create_app

V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}
TITLE = [{"op": "add", "path": "/fields/System.Title", "value": "t"}]


def client(app: Starlette, **kwargs: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=asgi_transport(app), base_url="http://emulator", **kwargs)  # type: ignore[arg-type]


def set_options(app: Starlette, **changes: object) -> None:
    state = app.state.emulator
    state.options = replace(state.options, **changes)


async def create(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post(
        f"/o/Fabrikam/_apis/wit/workitems/$Task?{V}", content=json.dumps(TITLE), headers=PATCH
    )


async def first_item_once_healed(
    app: Starlette, http: httpx.AsyncClient, fault: str
) -> httpx.Response:
    """Work item 1 read with `fault` turned off again: what the faulty create left behind."""
    set_options(app, **{fault: 0.0})
    return await http.get(f"/o/_apis/wit/workitems/1?{V}")


async def test_latency_delays_every_answer(
    emulator_app: Starlette, emulator_http: httpx.AsyncClient
) -> None:
    set_options(emulator_app, latency_ms=60)
    started = time.monotonic()
    await emulator_http.get(f"/o/_apis/projects?{V}")
    assert time.monotonic() - started >= 0.06


async def test_throttling_answers_429_with_retry_after_once_the_budget_is_spent(
    emulator_app: Starlette, emulator_http: httpx.AsyncClient
) -> None:
    set_options(emulator_app, rate_limit=2, rate_window_s=30)
    first = await emulator_http.get(f"/o/_apis/projects?{V}")
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    await emulator_http.get(f"/o/_apis/projects?{V}")
    blocked = await emulator_http.get(f"/o/_apis/projects?{V}")
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 30
    assert blocked.headers["X-RateLimit-Remaining"] == "0"
    assert int(blocked.headers["X-RateLimit-Reset"]) > time.time()
    assert blocked.json()["message"].startswith("TF400733")


async def test_throttling_window_slides(
    emulator_app: Starlette, emulator_http: httpx.AsyncClient
) -> None:
    set_options(emulator_app, rate_limit=1, rate_window_s=0.2)
    assert (await emulator_http.get(f"/o/_apis/projects?{V}")).status_code == 200
    assert (await emulator_http.get(f"/o/_apis/projects?{V}")).status_code == 429
    time.sleep(0.25)
    assert (await emulator_http.get(f"/o/_apis/projects?{V}")).status_code == 200


async def test_fail_rate_gives_503_and_nothing_is_written(
    emulator_app: Starlette, emulator_http: httpx.AsyncClient
) -> None:
    set_options(emulator_app, fail_rate=1.0)
    assert (await create(emulator_http)).status_code == 503
    healed = await first_item_once_healed(emulator_app, emulator_http, "fail_rate")
    assert healed.status_code == 404


async def test_dropped_connection_before_processing_writes_nothing(
    emulator_app: Starlette, emulator_http: httpx.AsyncClient
) -> None:
    set_options(emulator_app, drop_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        await create(emulator_http)
    healed = await first_item_once_healed(emulator_app, emulator_http, "drop_rate")
    assert healed.status_code == 404


async def test_commit_then_drop_saves_the_write_but_loses_the_answer(
    emulator_app: Starlette, emulator_http: httpx.AsyncClient
) -> None:
    set_options(emulator_app, commit_drop_rate=1.0)
    assert (await emulator_http.get(f"/o/_apis/projects?{V}")).status_code == 200  # reads pass
    with pytest.raises(httpx.ReadError):
        await create(emulator_http)
    saved = await first_item_once_healed(emulator_app, emulator_http, "commit_drop_rate")
    assert saved.status_code == 200
    assert saved.json()["fields"]["System.Title"] == "t"


async def test_faults_are_reproducible_with_a_seed() -> None:
    async def statuses() -> list[int]:
        app = create_app(projects=["Fabrikam"], options=EmulatorOptions(fail_rate=0.5, seed=7))
        async with client(app) as http:
            return [(await http.get(f"/o/_apis/projects?{V}")).status_code for _ in range(20)]

    first = await statuses()
    assert first == await statuses()
    assert {200, 503} == set(first)


@pytest.fixture
def guarded() -> Starlette:
    return create_app(projects=["Fabrikam"], options=EmulatorOptions(pat="s3cret"))


async def test_without_a_token_clients_that_suppress_redirects_get_401(guarded: Starlette) -> None:
    async with client(guarded) as http:
        answer = await http.get(
            f"/o/_apis/projects?{V}", headers={"X-TFS-FedAuthRedirect": "Suppress"}
        )
    assert answer.status_code == 401
    assert answer.json()["typeKey"] == "UnauthorizedRequestException"
    assert "TFS-Federated" in answer.headers["WWW-Authenticate"]


async def test_without_a_token_get_and_post_get_the_203_sign_in_page(guarded: Starlette) -> None:
    async with client(guarded) as http:
        answer = await http.get(f"/o/_apis/projects?{V}")
        patched = await http.patch(f"/o/_apis/wit/workitems/1?{V}", content="[]", headers=PATCH)
    assert answer.status_code == 203
    assert answer.headers["content-type"].startswith("text/html")
    assert patched.status_code == 401


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        ("Basic " + base64.b64encode(b":s3cret").decode(), 200),
        ("Basic " + base64.b64encode(b"anyone:s3cret").decode(), 200),
        ("Bearer s3cret", 200),
        ("Basic " + base64.b64encode(b":wrong").decode(), 401),
        ("Bearer wrong", 401),
    ],
)
async def test_only_the_configured_token_is_accepted(
    guarded: Starlette, authorization: str, status: int
) -> None:
    headers = {"Authorization": authorization, "X-TFS-FedAuthRedirect": "Suppress"}
    async with client(guarded) as http:
        answer = await http.get(f"/o/_apis/projects?{V}", headers=headers)
    assert answer.status_code == status


@pytest.mark.parametrize("emulator_server", [["--drop-rate", "1", "--seed", "1"]], indirect=True)
def test_dropped_connection_over_a_socket_is_a_transport_error(emulator_server: str) -> None:
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{emulator_server}/o/_apis/projects?{V}", timeout=5)


@pytest.mark.parametrize("emulator_server", [["--pat", "s3cret"]], indirect=True)
def test_serve_checks_the_token(emulator_server: str) -> None:
    denied = httpx.get(
        f"{emulator_server}/o/_apis/projects?{V}", headers={"X-TFS-FedAuthRedirect": "Suppress"}
    )
    allowed = httpx.get(f"{emulator_server}/o/_apis/projects?{V}", auth=("", "s3cret"))
    assert denied.status_code == 401
    assert allowed.status_code == 200


# -- faults inside a `$batch`: one sub-request fails, the rest of the batch is saved ---------------


def batch_update(id: int, rev: int, title: str) -> dict[str, object]:
    ops = [
        {"op": "test", "path": "/rev", "value": rev},
        {"op": "add", "path": "/fields/System.Title", "value": title},
    ]
    uri = f"/_apis/wit/workitems/{id}?{V}"
    return {"method": "PATCH", "uri": uri, "headers": PATCH, "body": ops}


async def titles(http: httpx.AsyncClient, ids: list[int]) -> list[str]:
    answer = await http.get(f"/o/_apis/wit/workitems?ids={','.join(map(str, ids))}&{V}")
    return [item["fields"]["System.Title"] for item in answer.json()["value"]]


async def three_items(http: httpx.AsyncClient) -> list[int]:
    return [(await create(http)).json()["id"] for _ in range(3)]


async def test_a_batch_fault_answers_one_sub_request_and_the_rest_is_saved(
    emulator_app: Starlette, emulator_http: httpx.AsyncClient
) -> None:
    a, b, c = await three_items(emulator_http)
    set_options(emulator_app, batch_faults=((b, 429), (c, 500)))
    batch = [batch_update(a, 1, "a2"), batch_update(b, 1, "b2"), batch_update(c, 1, "c2")]
    answer = await emulator_http.post(f"/o/_apis/wit/$batch?{V}", json=batch)
    entries = answer.json()["value"]
    assert [entry["code"] for entry in entries] == [200, 429, 500]
    assert entries[1]["headers"]["Retry-After"] == "1"
    assert json.loads(entries[1]["body"])["message"].startswith("TF400733")
    assert await titles(emulator_http, [a, b, c]) == ["a2", "t", "t"]  # only a was saved
    # each fault fires once: the same batch sent again is saved whole
    again = await emulator_http.post(f"/o/_apis/wit/$batch?{V}", json=batch[1:])
    assert [entry["code"] for entry in again.json()["value"]] == [200, 200]
    assert await titles(emulator_http, [a, b, c]) == ["a2", "b2", "c2"]


async def test_a_batch_fault_in_a_refused_batch_fires_on_the_next_try(
    emulator_app: Starlette, emulator_http: httpx.AsyncClient
) -> None:
    a, b, _ = await three_items(emulator_http)
    set_options(emulator_app, batch_faults=((b, 503),))
    stale = [batch_update(a, 9, "a2"), batch_update(b, 1, "b2")]
    refused = await emulator_http.post(f"/o/_apis/wit/$batch?{V}", json=stale)
    assert [entry["code"] for entry in refused.json()["value"]] == [412]  # nothing saved
    fresh = [batch_update(a, 1, "a2"), batch_update(b, 1, "b2")]
    answer = await emulator_http.post(f"/o/_apis/wit/$batch?{V}", json=fresh)
    assert [entry["code"] for entry in answer.json()["value"]] == [200, 503]


async def test_batch_fault_rates_are_reproducible_with_a_seed() -> None:
    async def codes() -> list[int]:
        options = EmulatorOptions(batch_throttle_rate=0.3, batch_fail_rate=0.3, seed=11)
        app = create_app(projects=["Fabrikam"], options=options)
        async with client(app) as http:
            ids = [(await create(http)).json()["id"] for _ in range(20)]
            batch = [batch_update(id, 1, "x") for id in ids]
            answer = await http.post(f"/o/_apis/wit/$batch?{V}", json=batch)
            return [entry["code"] for entry in answer.json()["value"]]

    first = await codes()
    assert first == await codes()
    assert {200, 429, 503} == set(first)
