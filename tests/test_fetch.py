"""Fetch: the managed set by one WIQL query, batch reads with outside ids, last edits of fields."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from witsync.ado.client import Client
from witsync.emulator import asgi_transport, create_app
from witsync.fetch import fetch_edits, fetch_live, outside_ids, with_edits
from witsync.marker import marker_url, scope_tag
from witsync.model import (
    REL_PARENT,
    REL_RELATED,
    Desired,
    DesiredItem,
    DesiredLink,
    FieldEdit,
    Location,
)

HERE = Location("backlog.yaml", 1, 1)


def desired(*items: DesiredItem, scope: str = "web") -> Desired:
    return Desired(scope=scope, items=items, files=("backlog.yaml",), digest="0")


def item(key: str, **kwargs: Any) -> DesiredItem:
    return DesiredItem(key=key, type="Task", fields={"System.Title": key}, location=HERE, **kwargs)


def test_outside_ids_are_adopted_items_parents_and_link_targets() -> None:
    manifests = desired(
        item("a", adopt_id=5, parent=7),
        item(
            "b",
            parent="a",
            links=(DesiredLink(REL_RELATED, 9, HERE), DesiredLink(REL_RELATED, "a", HERE)),
        ),
        item("c"),
    )
    assert outside_ids(manifests) == {5, 7, 9}


@pytest.fixture
async def clients() -> AsyncIterator[tuple[Client, Client]]:
    app = create_app(projects=["Proj", "Other"])
    async with httpx.AsyncClient(transport=asgi_transport(app)) as http:
        yield (
            Client(http, "http://local-board/local", "Proj"),
            Client(http, "http://local-board/local", "Other"),
        )


def fields(title: str, tags: str | None = None) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = [{"op": "add", "path": "/fields/System.Title", "value": title}]
    if tags is not None:
        ops.append({"op": "add", "path": "/fields/System.Tags", "value": tags})
    return ops


def link(rel: str, url: str) -> dict[str, Any]:
    return {"op": "add", "path": "/relations/-", "value": {"rel": rel, "url": url}}


async def test_fetch_live_reads_the_managed_set_and_what_manifests_name(
    clients: tuple[Client, Client],
) -> None:
    client, other = clients
    tag = scope_tag("web")
    outside_parent = await client.create_item("User Story", fields("people's story"))
    adopted = await client.create_item("Task", fields("adopt me", "keep"))
    a = await client.create_item(
        "Task",
        [
            *fields("a", f"x; {tag}"),
            link(REL_PARENT, client.work_item_url(outside_parent.id)),
            link("Hyperlink", marker_url("web", "a")),
        ],
    )
    b = await client.create_item(
        "Task", [*fields("b", tag.upper()), link(REL_RELATED, client.work_item_url(a.id))]
    )
    await client.create_item("Task", fields("other scope", "witsync:webx; witsync:we"))
    await other.create_item("Task", fields("other project", tag))
    gone = await client.create_item("Task", fields("deleted", tag))
    await client.delete_item(gone.id)

    manifests = desired(
        item("a", parent=outside_parent.id), item("b"), item("adopted", adopt_id=adopted.id)
    )
    before = client.request_count
    live = await fetch_live(client, manifests)

    assert client.request_count - before == 2, "one WIQL query, one batch read"
    assert live.managed_ids == {a.id, b.id}
    assert set(live.items) == {a.id, b.id, outside_parent.id, adopted.id}
    read_a = live.items[a.id]
    assert read_a.rev == a.rev
    assert next((r.rel, r.target_id) for r in read_a.relations) == (REL_PARENT, outside_parent.id)
    # The reciprocal links the server added are there too.
    assert (REL_RELATED, b.id) in [(r.rel, r.target_id) for r in read_a.relations]
    assert live.edits == {}


async def test_fetch_live_reads_200_at_a_time(clients: tuple[Client, Client]) -> None:
    client, _ = clients
    for i in range(201):
        await client.create_item("Task", fields(f"t{i}", scope_tag("big")))
    before = client.request_count
    live = await fetch_live(client, desired(scope="big"))
    assert len(live.managed_ids) == 201
    assert len(live.items) == 201
    assert client.request_count - before == 1 + 2


async def test_an_empty_board_is_one_request(clients: tuple[Client, Client]) -> None:
    client, _ = clients
    live = await fetch_live(client, desired())
    assert (live.items, live.managed_ids, client.request_count) == ({}, frozenset(), 1)


async def test_fetch_edits_names_who_last_changed_each_field(
    clients: tuple[Client, Client],
) -> None:
    client, _ = clients
    first = await client.create_item("Task", fields("a"))
    second = await client.create_item("Task", fields("b"))
    await client.update_item(first.id, fields("a2"))
    changed = await client.update_item(
        first.id, [{"op": "add", "path": "/fields/Microsoft.VSTS.Common.Priority", "value": 1}]
    )
    edits = await fetch_edits(
        client,
        {
            first.id: ["System.Title", "Microsoft.VSTS.Common.Priority", "System.Description"],
            second.id: [],
        },
    )
    assert set(edits) == {first.id}
    title_edit = edits[first.id]["System.Title"]
    assert title_edit.rev == 2
    assert title_edit.by
    assert title_edit.at.startswith("20")
    priority_edit = edits[first.id]["Microsoft.VSTS.Common.Priority"]
    assert priority_edit.rev == changed.rev == 3
    assert priority_edit.at == changed.fields["System.ChangedDate"]
    assert "System.Description" not in edits[first.id]

    live = with_edits(await fetch_live(client, desired()), edits)
    assert live.edits[first.id]["System.Title"] == title_edit
    assert isinstance(title_edit, FieldEdit)


async def test_fetch_edits_dates_edits_made_in_the_same_millisecond() -> None:
    """The emulator's clock stands still: every save lands in one millisecond. Each edit is still
    dated with its own revision's ChangedDate, never the newest revision's revisedDate (9999)."""
    frozen = datetime(2026, 12, 1, 10, 38, 16, 590000, tzinfo=UTC)
    app = create_app(projects=["Proj"], clock=lambda: frozen)
    async with httpx.AsyncClient(transport=asgi_transport(app)) as http:
        client = Client(http, "http://local-board/local", "Proj")
        first = await client.create_item("Task", fields("a"))
        retitled = await client.update_item(first.id, fields("a2"))
        changed = await client.update_item(
            first.id, [{"op": "add", "path": "/fields/Microsoft.VSTS.Common.Priority", "value": 1}]
        )
        wanted = ["System.Title", "Microsoft.VSTS.Common.Priority"]
        edits = (await fetch_edits(client, {first.id: wanted}))[first.id]
    assert edits["System.Title"].at == retitled.fields["System.ChangedDate"]
    assert edits["Microsoft.VSTS.Common.Priority"].at == changed.fields["System.ChangedDate"]
    title_at, priority_at = (
        datetime.fromisoformat(edits[name].at.replace("Z", "+00:00")) for name in wanted
    )
    assert frozen < title_at < priority_at
