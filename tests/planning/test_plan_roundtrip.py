"""Plan, apply through the real applier on the emulator, plan again: nothing left to do.

The server rewrites what it is sent (tags re-sorted, identities returned as objects, HTML
sanitised, numbers as floats), so this is the check that the planner compares values the way
the server means them, end to end.
"""

from __future__ import annotations

import asyncio
import dataclasses

from apply_support import desired, item, open_board, plan_and_apply, plan_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from witsync.fetch import fetch_live
from witsync.model import REL_PARENT, REL_PREDECESSOR, REL_RELATED

KEYS = ["a", "b", "c", "d", "e"]

FIELDS = {
    "Tags": st.lists(st.sampled_from(["ux", "UX", "q3", "Beta", "beta", "z"]), max_size=4).map(
        tuple
    ),
    "System.AssignedTo": st.sampled_from(
        ["ann@fabrikam.com", "Ann Smith <ANN@fabrikam.com>", "bob@fabrikam.com", None]
    ),
    "Description": st.sampled_from(
        [
            "Plain *markdown* text\n\n- one\n- two",
            "<div><p>Hello<br>world</p>\n\n  <p>again</p></div>",
            "<p onclick='x()'>kept <b>bold</b></p><script>alert(1)</script>",
            # What the sanitiser leaves is HTML even when it no longer starts with a tag.
            "<iframe src='v'></iframe>Watch *this*, a<!-- note -->b <embed src=x> end",
            "<https://example.com/docs> has the details",
            None,
        ]
    ),
    "Priority": st.sampled_from([1, 2, 2.0, 4, None]),  # None: the server defaults it to 2
    "State": st.sampled_from(["New", "Active", "Resolved"]),
}


@st.composite
def manifests(draw):
    count = draw(st.integers(1, len(KEYS)))
    keys = KEYS[:count]
    items = []
    for index, key in enumerate(keys):
        parent = draw(st.sampled_from([None, *keys[:index]]))
        fields = draw(st.fixed_dictionaries({}, optional=FIELDS))
        # Links only point back to earlier keys, and dependencies only run earlier -> later:
        # the server refuses circular dependencies, so no generated set (nor two in a row) has one.
        links = []
        for other in (
            draw(st.lists(st.sampled_from(keys[:index]), unique=True, max_size=2)) if index else []
        ):
            links.append((draw(st.sampled_from([REL_RELATED, REL_PREDECESSOR])), other))
        items.append(item(key, f"Item {key}", parent=parent, links=links, **fields))
    return desired(*items)


def _run(coroutine):
    return asyncio.run(coroutine)


async def _converges(first, second) -> None:
    board = open_board()
    async with board.client:
        for want in (first, second):
            _plan, result = await plan_and_apply(board, want)
            assert result.ok, result
            again = await plan_for(board, want)
            assert again.actions == (), [
                (a.key, a.field_changes, a.link_changes) for a in again.actions
            ]
            assert again.unchanged == len(want.items)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests(), manifests())
def test_plan_after_apply_is_empty_on_the_emulator(first, second):
    _run(_converges(first, second))


def test_adopt_and_drift_round_trip():
    async def scenario() -> None:
        board = open_board()
        async with board.client:
            made = await board.client.create_item(
                "Epic",
                [
                    {"op": "add", "path": "/fields/System.Title", "value": "Legacy"},
                    {"op": "add", "path": "/fields/System.Tags", "value": "finance; Ops"},
                ],
            )
            want = desired(
                item("billing", "Billing", type="Epic", adopt_id=made.id, Tags=("ops", "finance")),
                item("child", "Child", parent="billing"),
            )
            plan, result = await plan_and_apply(board, want)
            assert [a.kind for a in plan.actions] == ["create", "adopt"] or [
                a.kind for a in plan.actions
            ] == ["adopt", "create"]
            assert result.ok
            assert (await plan_for(board, want)).actions == ()
            # A person renames the epic on the board: the next plan puts the title back.
            live = await board.client.get_item(made.id)
            assert live is not None
            await board.client.update_item(
                made.id,
                [
                    {"op": "test", "path": "/rev", "value": live.rev},
                    {"op": "replace", "path": "/fields/System.Title", "value": "Renamed"},
                ],
            )
            drift = await plan_for(board, want)
            (action,) = drift.actions
            change = action.field_changes[0]
            assert (change.field, change.before, change.after) == (
                "System.Title",
                "Renamed",
                "Billing",
            )

    _run(scenario())


def test_prune_round_trip():
    async def scenario() -> None:
        board = open_board()
        async with board.client:
            full = desired(
                item("p", "Parent", type="Epic"), item("c", "Child", parent="p"), item("k", "Keep")
            )
            assert (await plan_and_apply(board, full))[1].ok
            keep = dataclasses.replace(full, items=(full.items[2],))
            for removal in ("close", "unmanage"):
                _plan, result = await plan_and_apply(board, keep, prune=True, removal=removal)
                assert result.ok, result
                assert (await plan_for(board, keep, prune=True, removal=removal)).actions == ()

    _run(scenario())


async def _people_edits_survive(first, second) -> None:
    board = open_board()
    async with board.client:
        assert (await plan_and_apply(board, first))[1].ok
        # A person works on the board: a task of their own under the first managed item, a
        # field no manifest states, and a tag where the manifest states no tags.
        live = await fetch_live(board.client, first)
        target = min(live.managed_ids)
        theirs = await board.client.create_item(
            "Task",
            [
                {"op": "add", "path": "/fields/System.Title", "value": "their own task"},
                {
                    "op": "add",
                    "path": "/relations/-",
                    "value": {"rel": REL_PARENT, "url": board.client.work_item_url(target)},
                },
            ],
        )
        current = await board.client.get_item(target)
        assert current is not None
        await board.client.update_item(
            target,
            [
                {"op": "test", "path": "/rev", "value": current.rev},
                {
                    "op": "add",
                    "path": "/fields/Microsoft.VSTS.Common.ValueArea",
                    "value": "Architectural",
                },
                {
                    "op": "replace",
                    "path": "/fields/System.Tags",
                    "value": f"{current.fields['System.Tags']}; theirs",
                },
            ],
        )
        _, result = await plan_and_apply(board, second)
        assert result.ok, result
        assert (await plan_for(board, second)).actions == ()
        after = await board.client.get_item(theirs.id)
        assert after is not None
        assert [r.target_id for r in after.relations if r.rel == REL_PARENT] == [target]
        kept = await board.client.get_item(target)
        assert kept is not None
        assert kept.fields.get("Microsoft.VSTS.Common.ValueArea") == "Architectural"
        tags = [t.strip() for t in str(kept.fields.get("System.Tags", "")).split(";")]
        # Tags people add are theirs to keep, whether or not the manifest states tags (issue 11).
        assert "theirs" in tags


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests(), manifests())
def test_what_people_add_survives_apply(first, second):
    _run(_people_edits_survive(first, second))
