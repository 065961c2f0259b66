"""A parent changed on the board after the plan is a concurrent edit, not a manifest error.

Work-item links do not give an item a new revision, so the `test /rev` guard cannot see a
re-parenting made after the plan: the server then refuses the planned parent (TF201036, one
parent only). The applier reads the item before it changes a parent and reports the item as a
conflict ("changed on the board since the plan: parent is now #N; plan again"); the rest of the
plan is applied.
"""

from __future__ import annotations

import httpx
from apply_support import (
    Board,
    desired,
    item,
    live,
    open_board,
    plan_and_apply,
    plan_for,
)

from witsync.applying.applier import apply_plan
from witsync.emulator import asgi_transport
from witsync.model import REL_PARENT, LiveItem

V = "api-version=7.1"


def parents(item: LiveItem) -> list[int | None]:
    return [r.target_id for r in item.relations if r.rel == REL_PARENT]


async def colleague_moves(board: Board, child: LiveItem, new_parent: int) -> None:
    """Priya re-parents `child` on the board through the REST API: remove its parent link (if
    any), add one to `new_parent`; link-only, so the child keeps its rev."""
    ops: list[dict[str, object]] = [
        {"op": "remove", "path": f"/relations/{index}"}
        for index, relation in enumerate(child.relations)
        if relation.rel == REL_PARENT
    ]
    url = board.client.work_item_url(new_parent)
    ops.append({"op": "add", "path": "/relations/-", "value": {"rel": REL_PARENT, "url": url}})
    async with httpx.AsyncClient(
        transport=asgi_transport(board.app),  # type: ignore[arg-type]
        auth=httpx.BasicAuth("Priya Raman <priya@fabrikam.com>", "pat"),
    ) as http:
        response = await http.patch(
            f"{board.client.org_url}/_apis/wit/workitems/{child.id}?{V}",
            json=ops,
            headers={"Content-Type": "application/json-patch+json"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["rev"] == child.rev  # a link-only change: no new revision


FEATURES = (item("p", type="Feature"), item("n", type="Feature"), item("q", type="Feature"))


async def test_a_parent_added_on_the_board_after_the_plan_is_a_conflict() -> None:
    board = open_board()
    await plan_and_apply(board, desired(*FEATURES, item("a"), item("b")))
    want = desired(*FEATURES, item("a", parent="p"), item("b", "B renamed"))
    plan = await plan_for(board, want)
    a, n = await live(board, "a"), await live(board, "n")
    await colleague_moves(board, a, n.id)

    result = await apply_plan(board.client, plan)

    by_key = {r.key: r for r in result.items}
    assert by_key["a"].outcome == "conflict", by_key["a"]
    message = str(by_key["a"].message)
    assert "changed on the board since the plan: parent is now #" + str(n.id) in message
    assert "plan again" in message
    assert "manifest" not in message
    assert by_key["b"].outcome == "applied"
    assert (await live(board, "b")).title == "B renamed"
    assert parents(await live(board, "a")) == [n.id]  # the colleague's parent is kept
    # planning again shows the move back to p, and applying it converges
    replan = await plan_for(board, want)
    assert [action.key for action in replan.actions] == ["a"]
    assert (await apply_plan(board.client, replan)).ok
    assert parents(await live(board, "a")) == [(await live(board, "p")).id]


async def test_a_parent_replaced_on_the_board_after_the_plan_is_a_conflict() -> None:
    board = open_board()
    await plan_and_apply(board, desired(*FEATURES, item("a", parent="q"), item("b")))
    plan = await plan_for(board, desired(*FEATURES, item("a", parent="p"), item("b", "B2")))
    a, n = await live(board, "a"), await live(board, "n")
    await colleague_moves(board, a, n.id)

    result = await apply_plan(board.client, plan)

    by_key = {r.key: r for r in result.items}
    assert by_key["a"].outcome == "conflict", by_key["a"]
    assert f"parent is now #{n.id}" in str(by_key["a"].message)
    assert by_key["b"].outcome == "applied"
    assert parents(await live(board, "a")) == [n.id]


async def test_a_parent_removed_by_the_plan_and_replaced_on_the_board_is_a_conflict() -> None:
    """The plan takes `a` out from under `q` (no parent in the manifest); meanwhile `a` was
    put under `n`, another item of the set: the planned removal has nothing left to remove, and
    `n` must not silently stay."""
    board = open_board()
    await plan_and_apply(board, desired(*FEATURES, item("a", parent="q")))
    plan = await plan_for(board, desired(*FEATURES, item("a")))
    a, n = await live(board, "a"), await live(board, "n")
    await colleague_moves(board, a, n.id)

    result = await apply_plan(board.client, plan)

    assert [(r.key, r.outcome) for r in result.items] == [("a", "conflict")]
    assert f"parent is now #{n.id}" in str(result.items[0].message)


async def test_the_same_parent_set_on_the_board_is_already_applied() -> None:
    """A colleague made exactly the planned move: nothing is in the way and nothing is lost."""
    board = open_board()
    await plan_and_apply(board, desired(*FEATURES, item("a", parent="q")))
    want = desired(*FEATURES, item("a", parent="p"))
    plan = await plan_for(board, want)
    a, p = await live(board, "a"), await live(board, "p")
    await colleague_moves(board, a, p.id)

    result = await apply_plan(board.client, plan)

    assert result.ok, result
    assert parents(await live(board, "a")) == [p.id]
    assert (await plan_for(board, want)).actions == ()


async def test_a_parent_put_on_between_the_read_and_the_write_is_a_conflict() -> None:
    """The race the read cannot see: Priya re-parents `a` right after the applier read it. The
    server refuses the planned parent (TF201036); the applier reads again and reports the
    conflict, not the refusal."""
    board = open_board()
    await plan_and_apply(board, desired(*FEATURES, item("a")))
    plan = plan_for(board, desired(*FEATURES, item("a", parent="p")))
    a, n = await live(board, "a"), await live(board, "n")
    moved: list[bool] = []

    async def move_after_the_read(response: httpx.Response) -> None:
        request = response.request
        if not moved and request.method == "GET" and request.url.path.endswith(f"/{a.id}"):
            moved.append(True)
            await colleague_moves(board, a, n.id)

    board.client.transport.http.event_hooks["response"].append(move_after_the_read)
    result = await apply_plan(board.client, await plan)

    assert moved == [True]
    assert [(r.key, r.outcome) for r in result.items] == [("a", "conflict")]
    assert f"parent is now #{n.id}" in str(result.items[0].message)
    assert parents(await live(board, "a")) == [n.id]
