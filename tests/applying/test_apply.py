"""apply_plan against the emulator: order, minimal guarded writes, own revisions, conflicts."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest
from apply_support import (
    Board,
    desired,
    item,
    items_by_key,
    live,
    open_board,
    outcomes,
    plan_and_apply,
    plan_for,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from witsync.applying.applier import apply_plan
from witsync.emulator import EmulatorOptions
from witsync.model import (
    REL_HYPERLINK,
    REL_PARENT,
    REL_PREDECESSOR,
    REL_RELATED,
    REL_SUCCESSOR,
    Desired,
    FieldValue,
    ItemResult,
    LiveItem,
)

TREE = desired(
    item("epic", type="Epic"),
    item("feature", type="Feature", parent="epic"),
    item("story", parent="feature", Priority=2),
    item("other", links=[(REL_RELATED, "story"), (REL_SUCCESSOR, "feature")]),
)


def link_targets(item: LiveItem, rel: str) -> set[int | None]:
    return {r.target_id for r in item.relations if r.rel == rel}


async def test_creates_parents_first_with_one_request_per_item_and_a_replan_is_empty() -> None:
    board = open_board()
    events: list[ItemResult] = []
    _plan, result = await plan_and_apply(board, TREE, on_event=events.append)
    assert result.ok, result
    assert [r.outcome for r in result.items] == ["applied"] * 4
    assert sorted(e.key for e in events) == sorted(r.key for r in result.items)
    by_key = await items_by_key(board)
    assert {k: len(v) for k, v in by_key.items()} == {
        "epic": 1,
        "feature": 1,
        "story": 1,
        "other": 1,
    }
    # each new item carried its links in its create request, and the creates ready at the
    # same moment shared one $batch: at most one write request per dependency level
    assert 1 < len(board.writes()) <= 4
    story, feature = await live(board, "story"), await live(board, "feature")
    assert link_targets(story, REL_PARENT) == {feature.id}
    assert link_targets(feature, REL_PARENT) == {by_key["epic"][0]}
    assert {r.id for r in result.items if r.key == "story"} == {story.id}
    assert (await plan_for(board, TREE)).actions == ()


async def test_a_no_op_apply_sends_no_write() -> None:
    board = open_board()
    await plan_and_apply(board, TREE)
    board.requests.clear()
    plan, result = await plan_and_apply(board, TREE)
    assert plan.actions == ()
    assert result.items == ()
    assert board.writes() == []


async def test_an_item_created_in_a_later_state_is_created_then_moved() -> None:
    board = open_board()
    want = desired(item("s", State="Active"))
    plan, result = await plan_and_apply(board, want)
    assert [step.kind for step in plan.actions[0].steps] == ["create", "update"]
    assert result.ok, result
    assert (await live(board, "s")).fields["System.State"] == "Active"


@pytest.mark.parametrize("link_bumps_rev", [False, True])
async def test_own_link_writes_never_fail_a_later_guard(link_bumps_rev: bool) -> None:
    board = open_board(EmulatorOptions(link_bumps_rev=link_bumps_rev))
    first = desired(item("a"), item("b"), item("c"))
    await plan_and_apply(board, first)
    # new children link to b, and b itself changes: b's rev may move under our feet
    second = desired(
        item("a", links=[(REL_RELATED, "b")]),
        item("b", "B renamed", Priority=1),
        item("c", parent="b"),
        item("d", parent="b"),
    )
    plan = await plan_for(board, second)
    # b's guarded update goes last, after every link write that touches b has landed
    b_action = next(a for a in plan.actions if a.key == "b")
    others = [a for a in plan.actions if a.key != "b"]
    assert {a.key for a in others} == {"c", "d"}  # the a-b link is sent by b, changing anyway
    last = dataclasses.replace(b_action, depends_on=("c", "d"))
    board.requests.clear()
    result = await apply_plan(board.client, dataclasses.replace(plan, actions=(*others, last)))
    assert result.ok, result
    resyncs = [r for r in board.requests if r.url.path.endswith("/updates")]
    assert bool(resyncs) == link_bumps_rev  # history is read only when the guard really failed
    b = await live(board, "b")
    assert b.fields["System.Title"] == "B renamed"
    assert len(link_targets(b, "System.LinkTypes.Hierarchy-Forward")) == 2
    assert (await plan_for(board, second)).actions == ()


async def test_someone_elses_edit_is_a_conflict_and_everything_else_goes_on() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("x"), item("y")))
    want = desired(item("x", "X from the manifest"), item("y", "Y from the manifest"), item("z"))
    plan = await plan_for(board, want)
    x = await live(board, "x")
    # a person edits x after the plan was made
    await board.client.update_item(
        x.id, [{"op": "replace", "path": "/fields/System.Title", "value": "X by a person"}]
    )
    result = await apply_plan(board.client, plan)
    by_key = {r.key: r for r in result.items}
    assert not result.ok
    assert by_key["x"].outcome == "conflict"
    message = str(by_key["x"].message)
    assert f"#{x.id}" in message
    assert "plan again" in message
    assert "System.Title" in message
    assert by_key["y"].outcome == "applied"
    assert by_key["z"].outcome == "applied"
    assert (await live(board, "x")).fields["System.Title"] == "X by a person"
    # the next plan shows the person's edit, and applying it converges
    replan = await plan_for(board, want)
    assert [a.key for a in replan.actions] == ["x"]
    assert (await apply_plan(board.client, replan)).ok


async def test_a_link_someone_added_on_a_server_that_bumps_revs_is_a_conflict() -> None:
    board = open_board(EmulatorOptions(link_bumps_rev=True))
    await plan_and_apply(board, desired(item("x"), item("y")))
    plan = await plan_for(board, desired(item("x", "renamed"), item("y")))
    x, y = await live(board, "x"), await live(board, "y")
    url = board.client.work_item_url(y.id)
    await board.client.update_item(
        x.id, [{"op": "add", "path": "/relations/-", "value": {"rel": REL_RELATED, "url": url}}]
    )
    result = await apply_plan(board.client, plan)
    assert [r.outcome for r in result.items] == ["conflict"]
    assert "links" in str(result.items[0].message)


async def test_a_relation_removal_is_reindexed_when_someone_shifted_the_list() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("keep"), item("x"), item("outside")))
    x, outside = await live(board, "x"), await live(board, "outside")
    person_link = {"rel": REL_HYPERLINK, "url": "https://wiki.example/page"}
    await board.client.update_item(
        x.id, [{"op": "add", "path": "/relations/-", "value": person_link}]
    )
    # x leaves the manifests and is unmanaged: its marker hyperlink is removed by index
    plan = await plan_for(
        board, desired(item("keep"), item("outside")), prune=True, removal="unmanage"
    )
    assert [a.key for a in plan.actions] == ["x"]
    # after the plan, a person adds a work-item link: work-item links come first, so every
    # hyperlink moves one place down (and on this server the rev does not change)
    await board.client.update_item(
        x.id,
        [
            {
                "op": "add",
                "path": "/relations/-",
                "value": {"rel": REL_RELATED, "url": board.client.work_item_url(outside.id)},
            }
        ],
    )
    result = await apply_plan(board.client, plan)
    assert result.ok, result
    after = await board.client.get_item(x.id)
    assert after is not None
    urls = {r.url for r in after.relations}
    assert "https://wiki.example/page" in urls
    assert not any("witsync.invalid" in u for u in urls)
    assert link_targets(after, REL_RELATED) == {outside.id}
    assert "team" not in str(after.fields.get("System.Tags", ""))


async def test_prune_closes_children_before_parents_and_leaves_other_items_alone() -> None:
    board = open_board()
    await plan_and_apply(
        board,
        desired(item("keep"), item("old-epic", type="Epic"), item("old-story", parent="old-epic")),
    )
    stranger = await board.client.create_item(
        "User Story", [{"op": "add", "path": "/fields/System.Title", "value": "not ours"}]
    )
    epic, story = await live(board, "old-epic"), await live(board, "old-story")
    want = desired(item("keep"))
    assert (await plan_for(board, want)).actions == ()  # prune only when asked
    board.requests.clear()
    plan, result = await plan_and_apply(board, want, prune=True)
    assert result.ok, result
    assert sorted(a.key for a in plan.actions) == ["old-epic", "old-story"]
    patched = [r.url.path.rsplit("/", 1)[-1] for r in board.writes()]
    assert patched.index(str(story.id)) < patched.index(str(epic.id))
    for gone in (epic, story):
        closed = await board.client.get_item(gone.id)
        assert closed is not None
        assert closed.fields["System.State"] == "Removed"
    again = await board.client.get_item(stranger.id)
    assert again is not None
    assert again.rev == stranger.rev
    assert (await plan_for(board, want, prune=True)).actions == ()


async def test_prune_by_delete_refuses_an_item_edited_after_the_plan() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("a"), item("b"), item("c")))
    plan = await plan_for(board, desired(item("a")), prune=True, removal="delete")
    b, c = await live(board, "b"), await live(board, "c")
    await board.client.update_item(
        b.id, [{"op": "replace", "path": "/fields/System.Title", "value": "still needed"}]
    )
    result = await apply_plan(board.client, plan)
    assert {r.key: r.outcome for r in result.items} == {"b": "conflict", "c": "applied"}
    assert await board.client.get_item(b.id) is not None
    assert await board.client.get_item(c.id) is None


async def test_suppress_notifications_is_sent_on_every_write() -> None:
    board = open_board()
    await plan_and_apply(board, TREE, suppress_notifications=True)
    writes = board.writes()
    assert writes
    for request in writes:
        if request.url.path.endswith("/$batch"):  # the flag goes on each sub-request
            uris = [sub["uri"] for sub in json.loads(request.content)]
            assert all("suppressNotifications=true" in uri for uri in uris)
        else:
            assert request.url.params.get("suppressNotifications") == "true"


async def test_a_server_refusal_fails_that_item_and_skips_its_dependents() -> None:
    board = open_board()
    want = desired(
        item("bad", type="Epic", Priority=99),  # not an allowed priority: a rule error
        item("child", type="Feature", parent="bad"),
        item("fine"),
    )
    # the process check refuses Priority 99 before planning: skip it to reach the server's
    _plan, result = await plan_and_apply(board, want, process_check=False)
    by_key = {r.key: r for r in result.items}
    assert by_key["bad"].outcome == "failed"
    assert "Priority" in str(by_key["bad"].message)
    assert by_key["child"].outcome == "skipped"
    assert "'bad', which failed" in str(by_key["child"].message)
    assert by_key["fine"].outcome == "applied"
    assert outcomes(result) == {"failed": 1, "skipped": 1, "applied": 1}


# -- property: apply makes the board match, and touches nothing it does not manage -------------

KEYS = [f"k{n}" for n in range(6)]


@st.composite
def manifests(draw: st.DrawFn) -> Desired:
    count = draw(st.integers(1, len(KEYS)))
    items = []
    for n, key in enumerate(KEYS[:count]):
        parent = draw(st.sampled_from([None, *KEYS[:n]]))
        links: list[tuple[str, str | int]] = []
        for other in KEYS[:n]:
            rel = draw(st.sampled_from([None, None, REL_RELATED, REL_PREDECESSOR]))
            if rel is not None and other != parent:
                links.append((rel, other))
        fields: dict[str, FieldValue] = {}
        if draw(st.booleans()):
            fields["Priority"] = draw(st.integers(1, 4))
        if draw(st.booleans()):
            fields["Tags"] = tuple(draw(st.sets(st.sampled_from(["red", "Blue", "green"]))))
        if draw(st.booleans()):
            fields["State"] = draw(st.sampled_from(["New", "Active"]))
        title = draw(st.text(alphabet="abc XYZ-", min_size=1, max_size=12).filter(str.strip))
        kind = ("Epic", "Feature", "User Story")[n % 3]  # a type cannot change on the board
        items.append(item(key, title, type=kind, parent=parent, links=links, **fields))
    return desired(*items)


async def person_edits(board: Board) -> dict[int, tuple[int, str]]:
    """Someone edits every managed item outside what witsync manages: a description and a
    hyperlink. Returns, per id, the rev after the edit and the hyperlink URL."""
    edits = {}
    for ids in (await items_by_key(board)).values():
        url = f"https://people.example/{ids[0]}"
        ops = [
            {"op": "add", "path": "/fields/System.Description", "value": "<p>by a person</p>"},
            {"op": "add", "path": "/relations/-", "value": {"rel": REL_HYPERLINK, "url": url}},
        ]
        edited = await board.client.update_item(ids[0], ops)
        edits[ids[0]] = (edited.rev, url)
    return edits


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(manifests(), manifests(), st.booleans(), st.integers(1, 4))
async def test_property_apply_converges_and_leaves_unmanaged_things_alone(
    first: Desired, second: Desired, link_bumps_rev: bool, parallelism: int
) -> None:
    board = open_board(EmulatorOptions(link_bumps_rev=link_bumps_rev))
    _, result = await plan_and_apply(board, first)
    assert result.ok, result
    edits = await person_edits(board)
    _, result = await plan_and_apply(
        board, second, prune=True, removal="unmanage", parallelism=parallelism
    )
    assert result.ok, result
    assert (await plan_for(board, second, prune=True, removal="unmanage")).actions == ()
    by_key = await items_by_key(board)
    assert {k: len(v) for k, v in by_key.items()} == {i.key: 1 for i in second.items}
    ids = {key: found[0] for key, found in by_key.items()}
    for want in second.items:
        got = await board.client.get_item(ids[want.key])
        assert got is not None
        assert got.title == want.fields["System.Title"]
        parents = {r.target_id for r in got.relations if r.rel == REL_PARENT}
        assert parents == ({ids[str(want.parent)]} if want.parent else set())
        if "Microsoft.VSTS.Common.Priority" in want.fields:
            assert (
                got.fields["Microsoft.VSTS.Common.Priority"]
                == want.fields["Microsoft.VSTS.Common.Priority"]
            )
        if ids[want.key] in edits:  # an item that existed before: the person's edits survive
            assert got.fields.get("System.Description") == "<p>by a person</p>"
            assert edits[ids[want.key]][1] in {r.url for r in got.relations}


async def test_an_item_deleted_after_the_plan_is_a_conflict() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("gone"), item("stays")))
    plan = await plan_for(board, desired(item("gone", "new title"), item("stays", "also new")))
    await board.client.delete_item((await live(board, "gone")).id)
    result = await apply_plan(board.client, plan)
    by_key = {r.key: r for r in result.items}
    assert by_key["gone"].outcome == "conflict"
    assert "deleted after the plan" in str(by_key["gone"].message)
    assert by_key["stays"].outcome == "applied"


async def test_a_link_removal_someone_already_made_is_not_sent() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("p"), item("a", parent="p")))
    want = desired(item("p"), item("a"))  # a no longer has a parent
    plan = await plan_for(board, want)
    a = await live(board, "a")
    index = next(i for i, r in enumerate(a.relations) if r.rel == REL_PARENT)
    await board.client.update_item(a.id, [{"op": "remove", "path": f"/relations/{index}"}])
    before = len(board.requests)
    result = await apply_plan(board.client, plan)
    assert result.ok, result
    assert not [r for r in board.requests[before:] if r.method == "PATCH"]
    assert (await plan_for(board, want)).actions == ()


async def test_creates_ready_together_share_batches_of_at_most_200() -> None:
    board = open_board()
    want = desired(*(item(f"s{n}") for n in range(201)))
    _, result = await plan_and_apply(board, want)
    assert result.ok, result
    writes = board.writes()
    batches = [r for r in writes if r.url.path.endswith("/$batch")]
    assert [len(json.loads(r.content)) for r in batches] == [200]
    assert len(writes) == 2  # the 201st went alone
    assert {k: len(v) for k, v in (await items_by_key(board)).items()} == {
        f"s{n}": 1 for n in range(201)
    }


async def test_a_batch_refused_while_preparing_is_sent_again_one_by_one() -> None:
    """An unknown field makes the server refuse the whole batch before saving anything; each
    create then gets its own verdict."""
    board = open_board()
    want = desired(item("ok-1"), item("bad", **{"Custom.Nope": "x"}), item("ok-2"))
    _, result = await plan_and_apply(board, want, process_check=False)
    by_key = {r.key: r for r in result.items}
    assert by_key["bad"].outcome == "failed"
    assert "Custom.Nope" in str(by_key["bad"].message)
    assert by_key["ok-1"].outcome == by_key["ok-2"].outcome == "applied"
    assert [r.url.path.rsplit("/", 1)[-1] for r in board.writes()] == ["$batch"] + [
        "$User Story"
    ] * 3
    assert set(await items_by_key(board)) == {"ok-1", "ok-2"}


async def test_a_concurrent_link_removal_at_the_other_end_never_shifts_an_index_under_us(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """y drops its link to x while x drops its link to w, by index, in the same run. Link
    changes do not bump x's rev, so only the applier can keep y's write from landing between
    x's read and x's write (which would make x remove the relation after: its marker)."""
    board = open_board()
    v1 = desired(item("y"), item("x", links=[(REL_RELATED, "y"), (REL_RELATED, "w")]), item("w"))
    await plan_and_apply(board, v1)
    v2 = desired(item("y", "Y renamed"), item("x"), item("w"))
    plan = await plan_for(board, v2)
    removers = {a.key for a in plan.actions if any(op.relation for s in a.steps for op in s.ops)}
    assert removers == {"x", "y"}, "the scenario needs both ends removing a link"
    x = await live(board, "x")
    update_item = board.client.update_item

    async def slow_writes(id: int, ops: object, **kwargs: bool) -> LiveItem:
        await asyncio.sleep(0.05 if id == x.id else 0.02)  # both reads would come first
        return await update_item(id, ops, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(board.client, "update_item", slow_writes)
    result = await apply_plan(board.client, plan, parallelism=4)
    monkeypatch.undo()
    assert result.ok, result
    assert (await live(board, "x")).relations  # still there, with its marker
    assert (await plan_for(board, v2)).actions == ()
