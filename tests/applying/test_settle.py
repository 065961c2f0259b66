"""Settling a write whose answer was lost: did the create land (find it by its marker), did the
update land (its revision among the item's history), what is still missing, and how someone
else's revisions are described."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from witsync.ado.client import Client
from witsync.applying.ledger import RunLedger
from witsync.applying.recover import (
    changed_after_plan,
    describe_revisions,
    differences,
    find_created,
    update_landed,
)
from witsync.emulator import EmulatorOptions, asgi_transport, create_app
from witsync.errors import StepConflict
from witsync.marker import marker_url, scope_tag
from witsync.model import REL_HYPERLINK, REL_RELATED, LiveItem, LiveRelation

ORG = "http://emulator.test/org"
SCOPE = "team"
CAROL = "Carol <carol@fabrikam.com>"
PATCH = {"Content-Type": "application/json-patch+json"}


class Clock:
    """The emulator's server time: moved by the test, so revision dates are known."""

    def __init__(self) -> None:
        self.now = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)

    def __call__(self) -> datetime.datetime:
        return self.now

    def tick(self, minutes: int = 1) -> None:
        self.now += datetime.timedelta(minutes=minutes)


@dataclass
class Board:
    app: Any
    client: Client
    clock: Clock

    async def as_person(self, who: str, id: int, ops: list[dict[str, Any]]) -> None:
        """A write through the REST API by someone else (the emulator names the Basic user)."""
        self.clock.tick()
        async with httpx.AsyncClient(
            transport=asgi_transport(self.app), auth=httpx.BasicAuth(who, "")
        ) as http:
            url = f"{ORG}/Proj/_apis/wit/workitems/{id}?api-version=7.1"
            answer = await http.patch(url, json=ops, headers=PATCH)
        assert answer.status_code == 200, answer.text

    async def write(self, id: int, ops: list[dict[str, Any]]) -> LiveItem:
        """A write of this run (its answer is then "lost": the tests forget it)."""
        self.clock.tick()
        return await self.client.update_item(id, ops)

    async def create(self, key: str | None, title: str) -> LiveItem:
        self.clock.tick()
        return await self.client.create_item("Task", create_ops(key, title))

    async def read(self, id: int) -> LiveItem:
        item = await self.client.get_item(id)
        assert item is not None
        return item


def create_ops(key: str | None, title: str, scope: str = SCOPE) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = [{"op": "add", "path": "/fields/System.Title", "value": title}]
    if key is not None:
        ops += [
            {"op": "add", "path": "/fields/System.Tags", "value": scope_tag(scope)},
            {
                "op": "add",
                "path": "/relations/-",
                "value": {"rel": REL_HYPERLINK, "url": marker_url(scope, key)},
            },
        ]
    return ops


def field(name: str, value: Any, op: str = "replace") -> dict[str, Any]:
    return {"op": op, "path": f"/fields/{name}", "value": value}


def guard(rev: int) -> dict[str, Any]:
    return {"op": "test", "path": "/rev", "value": rev}


def link(board: Board, rel: str, target: int) -> dict[str, Any]:
    url = board.client.work_item_url(target)
    return {"op": "add", "path": "/relations/-", "value": {"rel": rel, "url": url}}


def open_board(options: EmulatorOptions | None = None) -> Board:
    clock = Clock()
    app = create_app(projects=["Proj"], options=options, clock=clock)
    http = httpx.AsyncClient(transport=asgi_transport(app))
    return Board(app, Client(http, ORG, "Proj"), clock)


@pytest.fixture
async def board() -> AsyncIterator[Board]:
    board = open_board()
    yield board
    await board.client.aclose()


# -- find_created -----------------------------------------------------------------------------


async def test_a_create_that_landed_is_found_by_its_marker(board: Board) -> None:
    await board.create(None, "Sign in")  # same title, no marker: a person's item
    await board.create("other", "Sign in")  # same title, another key
    landed = await board.create("sign-in", "Sign in")
    found = await find_created(board.client, SCOPE, "sign-in", create_ops("sign-in", "Sign in"))
    assert found is not None
    assert (found.id, found.rev, found.title) == (landed.id, 1, "Sign in")


async def test_a_create_that_did_not_land_is_not_found(board: Board) -> None:
    await board.create("other", "Sign in")
    await board.create(None, "Sign in")
    theirs = create_ops("sign-in", "Sign in", scope="mobile")  # the same key in another scope
    await board.client.create_item("Task", theirs)
    assert await find_created(board.client, SCOPE, "sign-in", create_ops("sign-in", "x")) is None


async def test_a_landed_create_renamed_since_is_found_by_the_wide_query(board: Board) -> None:
    landed = await board.create("sign-in", "Sign in")
    await board.as_person(CAROL, landed.id, [field("System.Title", "Log in")])
    before = board.client.request_count
    found = await find_created(board.client, SCOPE, "sign-in", create_ops("sign-in", "Sign in"))
    assert found is not None
    assert (found.id, found.title) == (landed.id, "Log in")
    # the narrow query (with the title) found nothing, then the whole managed set was read
    assert board.client.request_count - before == 3


async def test_a_key_on_two_items_gives_the_lowest_id(board: Board) -> None:
    first = await board.create("sign-in", "Sign in")
    await board.create("sign-in", "Sign in")
    found = await find_created(board.client, SCOPE, "sign-in", create_ops("sign-in", "Sign in"))
    assert found is not None
    assert found.id == first.id


# -- update_landed ----------------------------------------------------------------------------


async def test_an_update_that_landed_is_recognised_and_its_rev_expected(board: Board) -> None:
    item = await board.create("a", "One")
    patch = [guard(1), field("System.Title", "Two"), field("Microsoft.VSTS.Common.Priority", 1)]
    await board.write(item.id, patch)  # saved; the answer was lost
    ledger = RunLedger()
    assert await update_landed(board.client, ledger, item.id, 1, patch, ()) is True
    assert ledger.expected_rev(item.id, 1) == 2


async def test_an_update_that_did_not_land_is_not_taken_for_landed(board: Board) -> None:
    item = await board.create("a", "One")
    ledger = RunLedger()
    patch = [guard(1), field("System.Title", "Two")]
    assert await update_landed(board.client, ledger, item.id, 1, patch, ()) is False
    assert ledger.expected_rev(item.id, None) is None


async def test_someone_elses_edit_first_is_a_conflict_naming_it(board: Board) -> None:
    item = await board.create("a", "One")
    await board.as_person(CAROL, item.id, [field("System.Title", "Carol's")])
    patch = [guard(1), field("System.Title", "Two")]
    with pytest.raises(StepConflict) as caught:
        await update_landed(board.client, RunLedger(), item.id, 1, patch, ())
    assert caught.value.message == (
        f"#{item.id} was changed on the board after the plan (rev 2 by carol@fabrikam.com at "
        "2026-11-20T09:02:00Z: System.Title); plan again to see that edit before writing"
    )


async def test_an_edit_after_this_runs_write_is_left_for_the_next_guard(board: Board) -> None:
    item = await board.create("a", "One")
    patch = [guard(1), field("System.Title", "Two")]
    await board.write(item.id, patch)
    await board.as_person(CAROL, item.id, [field("System.Title", "Carol's")])
    ledger = RunLedger()
    assert await update_landed(board.client, ledger, item.id, 1, patch, ()) is True
    assert ledger.expected_rev(item.id, None) == 2  # not 3: Carol's edit must fail the next guard


async def test_this_runs_own_link_ends_before_the_write_are_not_someone_else() -> None:
    # Where a link gives both ends a new revision, a link this run added from another item
    # comes between the guarded rev and this write; the ledger knows it is the run's own.
    board = open_board(EmulatorOptions(link_bumps_rev=True))
    item = await board.create("a", "One")
    other = await board.create("b", "Other")
    ledger = RunLedger()
    adds = [guard(1), link(board, REL_RELATED, item.id)]
    ledger.note(ledger.link_ends(other.id, adds))
    await board.write(other.id, adds)
    patch = [guard(1), field("System.Title", "Two")]
    await board.write(item.id, [guard(2), *patch[1:]])
    assert (await board.read(item.id)).rev == 3
    assert await update_landed(board.client, ledger, item.id, 1, patch, ()) is True
    assert ledger.expected_rev(item.id, None) == 3
    # without the ledger's record, the link end is somebody else's revision
    with pytest.raises(StepConflict, match=r"rev 2 by local\.user@local-board\.invalid"):
        await update_landed(board.client, RunLedger(), item.id, 1, patch, ())
    await board.client.aclose()


async def test_a_link_only_update_landed_when_the_relations_show_it(board: Board) -> None:
    item = await board.create("a", "One")
    other = await board.create("b", "Other")
    patch = [guard(1), link(board, REL_RELATED, other.id)]
    assert await update_landed(board.client, RunLedger(), item.id, 1, patch, ()) is False
    await board.write(item.id, patch)
    assert await update_landed(board.client, RunLedger(), item.id, 1, patch, ()) is True
    # its removal: landed once the relation is gone
    removed = [(REL_RELATED, board.client.work_item_url(other.id))]
    unlink = [guard(1), {"op": "remove", "path": "/relations/0"}]
    assert await update_landed(board.client, RunLedger(), item.id, 1, unlink, removed) is False
    current = await board.read(item.id)
    index = next(i for i, r in enumerate(current.relations) if r.rel == REL_RELATED)
    await board.write(item.id, [{"op": "remove", "path": f"/relations/{index}"}])
    assert await update_landed(board.client, RunLedger(), item.id, 1, unlink, removed) is True


async def test_an_item_deleted_after_the_plan_is_a_conflict(board: Board) -> None:
    item = await board.create("a", "One")
    await board.client.delete_item(item.id)
    with pytest.raises(StepConflict, match=rf"#{item.id} was deleted after the plan"):
        await update_landed(board.client, RunLedger(), item.id, 1, [guard(1)], ())


# -- differences ------------------------------------------------------------------------------


async def test_what_the_server_rewrote_is_no_difference(board: Board) -> None:
    item = await board.create("a", "One")
    other = await board.create("b", "Other")
    patch = [
        guard(1),
        field("System.AssignedTo", "ann@fabrikam.com", "add"),  # stored as an identity
        field("Microsoft.VSTS.Common.Priority", 1),  # stored as 1.0
        field("System.Description", "<p>Hello<br>world</p>", "add"),  # re-serialised HTML
        field("System.Tags", "Zeta; alpha"),  # sorted, with the scope tag kept
        field("System.AreaPath", "proj"),  # the tree's own spelling
        link(board, REL_RELATED, other.id),
    ]
    saved = await board.write(item.id, patch)
    assert differences(saved, patch) == []


async def test_what_is_not_there_yet_is_named(board: Board) -> None:
    item = await board.create("a", "One")
    other = await board.create("b", "Other")
    live = await board.read(item.id)
    url = board.client.work_item_url(other.id)
    patch = [
        guard(1),
        field("System.Title", "Two"),
        field("System.Title", "One"),  # already so
        field("Microsoft.VSTS.Common.Priority", 1),  # Agile's default is 2
        field("System.Tags", "extra"),
        {"op": "remove", "path": "/fields/System.Description"},  # already empty
        link(board, REL_RELATED, other.id),
    ]
    marker = (REL_HYPERLINK, marker_url(SCOPE, "a"))
    assert differences(live, patch, [marker, (REL_RELATED, url)]) == [
        "System.Title",
        "Microsoft.VSTS.Common.Priority",
        "System.Tags",
        f"link {REL_RELATED} {url}",
        f"link {REL_HYPERLINK} {marker[1]} (removal)",
    ]


def test_tags_people_added_do_not_count_and_a_link_matches_by_its_target() -> None:
    live = LiveItem(
        7,
        3,
        {"System.Tags": "Extra; witsync:team; Zeta", "System.State": "Active"},
        (LiveRelation(REL_RELATED, "https://dev.azure.com/o/p/_apis/wit/workItems/9", {}, 9),),
    )
    same_link_other_spelling = {
        "op": "add",
        "path": "/relations/-",
        "value": {"rel": REL_RELATED, "url": "https://dev.azure.com/o/_apis/wit/workItems/9"},
    }
    patch = [field("System.Tags", "zeta; WITSYNC:TEAM"), same_link_other_spelling]
    assert differences(live, patch) == []
    assert differences(live, [field("System.Tags", "zeta; gone")]) == ["System.Tags"]
    assert differences(live, [{"op": "remove", "path": "/fields/System.State"}]) == ["System.State"]


# -- describe_revisions -----------------------------------------------------------------------


async def test_revisions_are_described_by_who_when_and_what(board: Board) -> None:
    item = await board.create("a", "One")
    other = await board.create("b", "Other")
    await board.as_person(CAROL, item.id, [field("System.Title", "Two")])
    await board.as_person("dan@fabrikam.com", item.id, [link(board, REL_RELATED, other.id)])
    await board.as_person(CAROL, item.id, [field("System.Title", "Three")])
    updates = (await board.client.get_updates(item.id))[1:]
    # the bookkeeping every revision carries (ChangedDate, Rev...) is not named
    assert describe_revisions(updates[:1]) == (
        "rev 2 by carol@fabrikam.com at 2026-11-20T09:03:00Z: System.Title"
    )
    # a link-only update has no fields, so no date of its own
    assert describe_revisions(updates[1:2]) == "rev 2 by dan@fabrikam.com: links"
    assert describe_revisions(updates).endswith("System.Title, and 2 more revisions")
    assert describe_revisions(updates[:2]).endswith("System.Title, and 1 more revision")


def test_every_changed_field_is_named_in_the_servers_order() -> None:
    update = {
        "rev": 6,
        "revisedBy": {"uniqueName": "ann@x", "displayName": "Ann"},
        "fields": {
            "System.State": {"oldValue": "New", "newValue": "Active"},
            "System.ChangedDate": {"newValue": "2026-11-21T10:00:00Z"},
            "System.Rev": {"oldValue": 5, "newValue": 6},
            "System.Title": {"oldValue": "a", "newValue": "b"},
        },
        "relations": {"removed": [{"rel": REL_RELATED, "url": "u"}]},
    }
    assert describe_revisions([update]) == (
        "rev 6 by ann@x at 2026-11-21T10:00:00Z: System.State, System.Title, links"
    )


def test_a_revision_without_author_or_changes_is_still_described() -> None:
    bare: list[Mapping[str, Any]] = [{"rev": 4, "fields": {"System.Rev": {"newValue": 4}}}]
    assert describe_revisions(bare) == "rev 4"
    named = [{"rev": 5, "revisedBy": {"displayName": "Ann"}}]
    assert describe_revisions(named) == "rev 5 by Ann"


def test_a_conflict_says_to_plan_again() -> None:
    conflict = changed_after_plan(12, [{"rev": 3, "revisedBy": {"uniqueName": "x@y"}}])
    assert isinstance(conflict, StepConflict)
    assert conflict.message == (
        "#12 was changed on the board after the plan (rev 3 by x@y); plan again to see that edit "
        "before writing"
    )
    assert conflict.hint == "run witsync plan, review the change, then apply"
