"""Items that come back, move or change: reopened after prune closed them, restored from the
recycle bin, moved to a new key (`previousKeys`), changed to another type. Each keeps its work
item (its id, history and the links people made) instead of a new one being created."""

from __future__ import annotations

import dataclasses

import httpx
from apply_support import (
    ORG,
    Board,
    desired,
    item,
    items_by_key,
    live,
    open_board,
    plan_and_apply,
    plan_for,
)

from witsync.ado.client import Client
from witsync.applying.applier import apply_plan
from witsync.emulator import asgi_transport
from witsync.engine import Options, plan_against
from witsync.marker import marker_keys
from witsync.model import REL_PARENT, DesiredItem, Plan

STATE = "System.State"


def kinds(plan: Plan) -> dict[str, str]:
    return {action.key: action.kind for action in plan.actions}


def renamed(entry: DesiredItem, key: str, *previous: str) -> DesiredItem:
    return dataclasses.replace(entry, key=key, previous_keys=previous)


# -- reopen (issue 11, point 4) --------------------------------------------------------------


async def close_by_prune(board: Board, *keep: DesiredItem) -> None:
    plan, result = await plan_and_apply(board, desired(*keep), prune=True)
    assert result.ok, result
    assert {action.kind for action in plan.actions} == {"remove"}


async def test_an_item_prune_closed_and_put_back_is_reopened_in_its_first_state() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a"), item("b")))
    b = await live(board, "b")
    await close_by_prune(board, item("a"))
    assert (await live(board, "b")).fields[STATE] == "Removed"

    plan = await plan_for(board, desired(item("a"), item("b")))

    assert kinds(plan) == {"b": "reopen"}
    [action] = plan.actions
    assert action.id == b.id
    assert [(c.field, c.before, c.after) for c in action.field_changes] == [
        (STATE, "Removed", "New")
    ]
    assert (await apply_plan(board.client, plan)).ok
    assert (await live(board, "b")).fields[STATE] == "New"
    assert (await plan_for(board, desired(item("a"), item("b")))).actions == ()


async def test_a_reopened_item_goes_to_the_state_its_entry_states() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a"), item("b", State="Active")))
    await close_by_prune(board, item("a"))
    plan = await plan_for(board, desired(item("a"), item("b", State="Active")))
    assert kinds(plan) == {"b": "reopen"}
    assert (await apply_plan(board.client, plan)).ok
    assert (await live(board, "b")).fields[STATE] == "Active"


async def test_an_item_a_person_closed_is_not_reopened() -> None:
    """Only witsync's own prune is undone: a person's Closed stays (state is create-only)."""
    board = open_board()
    await plan_and_apply(board, desired(item("a"), item("b")))
    b = await live(board, "b")
    await board.client.update_item(
        b.id, [{"op": "replace", "path": f"/fields/{STATE}", "value": "Removed"}]
    )
    assert (await plan_for(board, desired(item("a"), item("b")))).actions == ()


async def test_a_closed_item_that_left_the_manifests_is_counted_as_closed() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a"), item("b"), item("c")))
    b = await live(board, "b")
    await close_by_prune(board, item("a"), item("c"))

    plan = await plan_for(board, desired(item("a"), item("c")))

    assert plan.actions == ()
    assert plan.unchanged == 2
    assert [(closed.key, closed.id, closed.state) for closed in plan.closed] == [
        ("b", b.id, "Removed")
    ]


async def test_only_closed_items_of_the_set_have_their_history_read() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a"), item("b"), item("c")))
    await close_by_prune(board, item("a"), item("c"))
    board.requests.clear()
    await plan_for(board, desired(item("a"), item("b"), item("c")))
    histories = [r.url.path for r in board.requests if r.url.path.endswith("/updates")]
    assert histories == [f"/org/_apis/wit/workItems/{(await live(board, 'b')).id}/updates"]


# -- restore (issue 11, point 5) -------------------------------------------------------------


async def test_an_item_deleted_on_the_board_is_restored_not_created_again() -> None:
    board = open_board()
    want = desired(item("p", type="Feature"), item("a", parent="p"), item("b"))
    await plan_and_apply(board, want)
    a = await live(board, "a")
    await board.client.delete_item(a.id)

    plan = await plan_for(board, want)

    assert kinds(plan) == {"a": "restore"}
    [action] = plan.actions
    assert action.id == a.id
    assert any("recycle bin" in note for note in action.notes)
    result = await apply_plan(board.client, plan)
    assert result.ok, result
    back = await live(board, "a")
    assert back.id == a.id
    assert [r.target_id for r in back.relations if r.rel == REL_PARENT] == [
        (await live(board, "p")).id
    ]
    assert (await plan_for(board, want)).actions == ()


async def test_a_restored_item_gets_the_manifest_changes_in_the_same_apply() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a"), item("b")))
    a = await live(board, "a")
    await board.client.delete_item(a.id)
    want = desired(item("a", "A, as the manifest says now"), item("b"))
    plan = await plan_for(board, want)
    assert kinds(plan) == {"a": "restore"}
    assert [step.kind for step in plan.actions[0].steps] == ["restore", "update"]
    assert (await apply_plan(board.client, plan)).ok
    assert (await live(board, "a")).title == "A, as the manifest says now"
    assert (await plan_for(board, want)).actions == ()


async def test_no_restore_creates_a_new_item_instead() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a")))
    a = await live(board, "a")
    await board.client.delete_item(a.id)
    board.requests.clear()
    plan = await plan_against(board.client, desired(item("a")), Options(org_url=ORG, restore=False))
    assert kinds(plan) == {"a": "create"}
    assert not [r for r in board.requests if "recyclebin" in r.url.path.lower()]
    assert (await apply_plan(board.client, plan)).ok
    assert (await live(board, "a")).id != a.id


async def test_the_recycle_bin_is_read_only_when_the_plan_would_create() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a"), item("b")))
    await board.client.delete_item((await live(board, "b")).id)
    board.requests.clear()
    await plan_for(board, desired(item("a")))  # b left the manifests: nothing to create
    assert not [r for r in board.requests if "recyclebin" in r.url.path.lower()]
    board.requests.clear()
    await plan_for(board, desired(item("a"), item("new")))
    bin_reads = [r for r in board.requests if "recyclebin" in r.url.path.lower()]
    # the list, the references of what it holds, and the one item of a type being created
    assert len(bin_reads) <= 3


async def test_only_an_item_with_this_scopes_marker_for_the_key_is_restored() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a")))
    await plan_and_apply(board, desired(item("a"), scope="other"))
    other = (await items_by_key(board, "other"))["a"][0]
    await board.client.delete_item(other)
    plan = await plan_for(board, desired(item("a"), item("b")))
    assert kinds(plan) == {"b": "create"}


# -- rekey (issue 11, point 7) ---------------------------------------------------------------


async def test_previous_keys_move_the_item_to_its_new_key() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("alert-oncall"), item("other")))
    old = await live(board, "alert-oncall")
    want = desired(
        renamed(item("alert-oncall"), "alert-oncall-rotation", "alert-oncall"), item("other")
    )

    plan = await plan_for(board, want)

    assert kinds(plan) == {"alert-oncall-rotation": "rekey"}
    [action] = plan.actions
    assert (action.id, action.previous_key) == (old.id, "alert-oncall")
    [step] = action.steps
    assert (step.ops[0].op, step.ops[0].value) == ("test", old.rev)  # one guarded patch
    assert (await apply_plan(board.client, plan)).ok
    moved = await board.client.get_item(old.id)
    assert moved is not None
    assert marker_keys(moved, "team") == ["alert-oncall-rotation"]
    assert set(await items_by_key(board)) == {"alert-oncall-rotation", "other"}
    assert (await plan_for(board, want, prune=True)).actions == ()


async def test_a_rekey_carries_the_entrys_other_changes() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("old")))
    plan = await plan_for(board, desired(renamed(item("old", "Retitled"), "new", "old")))
    assert kinds(plan) == {"new": "rekey"}
    assert [c.field for c in plan.actions[0].field_changes] == ["System.Title"]
    assert (await apply_plan(board.client, plan)).ok
    assert (await live(board, "new")).title == "Retitled"


async def test_a_previous_key_that_is_not_on_the_board_creates_the_item() -> None:
    board = open_board()
    plan = await plan_for(board, desired(renamed(item("x"), "y", "never-existed")))
    assert kinds(plan) == {"y": "create"}


# -- type change (issue 11, point 8) ---------------------------------------------------------


async def test_a_changed_type_is_an_update_of_the_same_work_item() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a", type="User Story")))
    a = await live(board, "a")
    want = desired(item("a", type="Task"))

    plan = await plan_for(board, want)

    assert kinds(plan) == {"a": "update"}
    changes = {c.field: (c.before, c.after) for c in plan.actions[0].field_changes}
    assert changes["System.WorkItemType"] == ("User Story", "Task")
    assert (await apply_plan(board.client, plan)).ok
    after = await live(board, "a")
    assert (after.id, after.type) == (a.id, "Task")
    assert (await plan_for(board, want)).actions == ()


async def test_a_state_the_new_type_lacks_is_mapped_in_the_plan() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a", type="User Story")))
    a = await live(board, "a")
    await board.client.update_item(
        a.id, [{"op": "replace", "path": f"/fields/{STATE}", "value": "Resolved"}]
    )
    plan = await plan_for(board, desired(item("a", type="Task")))
    changes = {c.field: (c.before, c.after) for c in plan.actions[0].field_changes}
    assert changes[STATE] == ("Resolved", "New")  # an Agile Task has no Resolved state
    assert (await apply_plan(board.client, plan)).ok
    assert (await live(board, "a")).fields[STATE] == "New"


async def test_a_state_the_new_type_has_is_kept() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a", type="User Story", State="Active")))
    plan = await plan_for(board, desired(item("a", type="Task", State="Active")))
    assert [c.field for c in plan.actions[0].field_changes] == ["System.WorkItemType"]
    assert (await apply_plan(board.client, plan)).ok
    assert (await live(board, "a")).fields[STATE] == "Active"


async def test_a_plan_of_comebacks_applied_twice_says_already_applied() -> None:
    """Re-applying an applied plan file (issue 11, point 6) holds for the new kinds too."""
    board = open_board()
    await plan_and_apply(board, desired(item("a"), item("b"), item("c")))
    await close_by_prune(board, item("a"), item("b"))
    await board.client.delete_item((await live(board, "a")).id)
    want = desired(item("a"), renamed(item("b"), "b2", "b"), item("c"))
    plan = await plan_for(board, want)
    assert kinds(plan) == {"a": "restore", "b2": "rekey", "c": "reopen"}
    assert (await apply_plan(board.client, plan)).ok
    again = await apply_plan(board.client, plan)
    assert again.ok, again
    assert [str(r.message).split(":")[0] for r in again.items] == ["already applied"] * 3
    assert (await plan_for(board, want)).actions == ()


class _NoRecycleBin(httpx.AsyncBaseTransport):
    """The board, except that this token may not read the recycle bin (403): a permission the
    emulator does not model."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "recyclebin" in request.url.path.lower():
            body = {"message": "TF400813: not authorized to access this resource."}
            return httpx.Response(403, json=body, request=request)
        return await self.inner.handle_async_request(request)


async def test_a_recycle_bin_the_token_may_not_read_means_a_new_item() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a")))
    await board.client.delete_item((await live(board, "a")).id)
    http = httpx.AsyncClient(transport=_NoRecycleBin(asgi_transport(board.app)))  # type: ignore[arg-type]
    async with Client(http, ORG, "Proj") as client:
        plan = await plan_against(client, desired(item("a")), Options(org_url=ORG))
    assert kinds(plan) == {"a": "create"}
