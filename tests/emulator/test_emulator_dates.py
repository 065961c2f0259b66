"""Revision dates in the emulator: every revision's update carries System.ChangedDate, strictly
later than the one before, also for saves in the same millisecond (the clock is frozen here)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from witsync.emulator import EmulatorOptions, asgi_transport, create_app

V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}
ORG = "/fabrikam-org"
START = datetime(2026, 12, 1, 10, 38, 16, 590000, tzinfo=UTC)
OPEN_ENDED = "9999-01-01T00:00:00Z"


class Clock:
    """The emulator's time: stands still until a test moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def board(clock: Clock, options: EmulatorOptions | None = None) -> httpx.AsyncClient:
    app = create_app(projects=["Fabrikam"], options=options, clock=clock)
    return httpx.AsyncClient(transport=asgi_transport(app), base_url="http://emulator")


@pytest.fixture
async def http(clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    async with board(clock) as client:
        yield client


async def create(http: httpx.AsyncClient, title: str = "A task") -> dict[str, Any]:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": title}]
    response = await http.post(
        f"{ORG}/Fabrikam/_apis/wit/workitems/$Task?{V}", content=json.dumps(ops), headers=PATCH
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def patch(http: httpx.AsyncClient, id: int, *ops: dict[str, Any]) -> dict[str, Any]:
    response = await http.patch(
        f"{ORG}/_apis/wit/workitems/{id}?{V}", content=json.dumps(list(ops)), headers=PATCH
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def field(ref: str, value: object) -> dict[str, Any]:
    return {"op": "add", "path": f"/fields/{ref}", "value": value}


def related(http: httpx.AsyncClient, id: int) -> dict[str, Any]:
    url = f"{http.base_url}{ORG}/_apis/wit/workItems/{id}"
    return {
        "op": "add",
        "path": "/relations/-",
        "value": {"rel": "System.LinkTypes.Related", "url": url},
    }


async def updates(http: httpx.AsyncClient, id: int) -> list[dict[str, Any]]:
    body = (await http.get(f"{ORG}/_apis/wit/workItems/{id}/updates?{V}")).json()
    values: list[dict[str, Any]] = body["value"]
    return values


def changed_dates(history: list[dict[str, Any]]) -> list[dict[str, str]]:
    """System.ChangedDate of every revision's update (link-only updates have no fields)."""
    return [u["fields"].get("System.ChangedDate") for u in history if "fields" in u]


def as_time(wire: str) -> datetime:
    return datetime.fromisoformat(wire.replace("Z", "+00:00"))


def step_back(clock: Clock) -> None:
    clock.now -= timedelta(seconds=5)


def stand_still(clock: Clock) -> None:
    pass


@pytest.mark.parametrize("between", [stand_still, step_back], ids=["same-ms", "clock-back"])
async def test_every_revision_carries_a_later_changed_date_even_within_a_millisecond(
    http: httpx.AsyncClient, clock: Clock, between: Callable[[Clock], None]
) -> None:
    created = await create(http)
    id = created["id"]
    between(clock)
    await patch(http, id, field("System.Title", "renamed"))
    between(clock)
    await patch(http, id, field("Microsoft.VSTS.Common.Priority", 1))
    between(clock)
    last = await patch(http, id, field("System.State", "Active"))

    history = await updates(http, id)
    assert [u["rev"] for u in history] == [1, 2, 3, 4]
    dates = changed_dates(history)
    assert all(d is not None and d.get("newValue") for d in dates), dates
    news = [as_time(d["newValue"]) for d in dates]
    assert news == sorted(set(news)), "ChangedDate must strictly increase with each revision"
    # each update's oldValue is the previous revision's date
    assert [d.get("oldValue") for d in dates] == [None, *(d["newValue"] for d in dates[:-1])]
    # the item, its revisions and its history agree on each revision's date
    assert last["fields"]["System.ChangedDate"] == dates[-1]["newValue"]
    revisions = (await http.get(f"{ORG}/_apis/wit/workItems/{id}/revisions?{V}")).json()["value"]
    assert [r["fields"]["System.ChangedDate"] for r in revisions] == [d["newValue"] for d in dates]
    # a revision is superseded when the next one is made; the newest is open-ended
    assert [u["revisedDate"] for u in history] == [d["newValue"] for d in dates[1:]] + [OPEN_ENDED]
    # the state change is dated with the revision that made it
    assert last["fields"]["Microsoft.VSTS.Common.StateChangeDate"] == dates[-1]["newValue"]


async def test_as_of_a_revision_date_reads_that_revision_within_one_millisecond(
    http: httpx.AsyncClient,
) -> None:
    first = await create(http)
    moment = first["fields"]["System.ChangedDate"]
    await patch(http, first["id"], field("System.Title", "later"))
    past = (await http.get(f"{ORG}/_apis/wit/workitems/{first['id']}?asOf={moment}&{V}")).json()
    assert (past["rev"], past["fields"]["System.Title"]) == (1, "A task")


async def test_a_link_only_update_is_dated_when_it_was_made(
    http: httpx.AsyncClient, clock: Clock
) -> None:
    a, b = (await create(http, "a"))["id"], (await create(http, "b"))["id"]
    clock.now = START + timedelta(minutes=1)
    await patch(http, a, field("System.Title", "a2"))
    clock.now = START + timedelta(minutes=2)
    await patch(http, a, related(http, b))  # link only: no new revision
    clock.now = START + timedelta(minutes=3)
    await patch(http, a, field("System.Title", "a3"))

    history = await updates(http, a)
    assert [(u["rev"], "fields" in u) for u in history] == [
        (1, True),
        (2, True),
        (2, False),
        (3, True),
    ]
    # As in the documented history: revisions are superseded by the next revision's date, while
    # a link-only update shows when the link was added.
    assert [u["revisedDate"] for u in history] == [
        "2026-12-01T10:39:16.59Z",
        "2026-12-01T10:41:16.59Z",
        "2026-12-01T10:40:16.59Z",
        OPEN_ENDED,
    ]
    # the other end of the link got a link-only update of its own, dated the same
    other = await updates(http, b)
    assert [(u["rev"], u["revisedDate"]) for u in other] == [
        (1, OPEN_ENDED),
        (1, "2026-12-01T10:40:16.59Z"),
    ]


async def test_a_link_end_revision_is_later_than_the_one_before_it(clock: Clock) -> None:
    """On a server where link changes make revisions, the other end's new revision is dated after
    its previous one too, though both items were saved in the same millisecond."""
    async with board(clock, EmulatorOptions(link_bumps_rev=True)) as http:
        a, b = (await create(http, "a"))["id"], (await create(http, "b"))["id"]
        await patch(http, a, related(http, b))
        for id in (a, b):
            history = await updates(http, id)
            assert [u["rev"] for u in history] == [1, 2]
            dates = changed_dates(history)
            assert dates[1]["oldValue"] == dates[0]["newValue"]
            assert as_time(dates[1]["newValue"]) > as_time(dates[0]["newValue"])
