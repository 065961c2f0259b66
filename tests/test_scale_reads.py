"""What keeps a 100,000-item plan within its time and memory: each batch answer decoded as it
arrives, only the fields a plan reads kept, each stage's objects frozen out of the cyclic
collector's sight, and markers read without urlsplit where that gives the same answer.

Structural checks only (no timings): bench_scale.py measures the figures.
"""

from __future__ import annotations

import gc
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from apply_support import PROJECT, desired, item, open_board, plan_and_apply
from hypothesis import given
from hypothesis import strategies as st

from witsync import engine
from witsync.ado import wire
from witsync.ado.client import BATCH_SIZE, Client
from witsync.emulator import asgi_transport, create_app
from witsync.fetch import fetch_live, planned_fields
from witsync.marker import MARKER_HOST, marker_url, parse_marker
from witsync.model import LiveRelation, Target
from witsync.planning.planner import make_plan


async def test_each_batch_answer_is_decoded_before_the_next_batch_is_asked_for(monkeypatch):
    """With one request in flight, the reads and the decoding alternate: no answer waits for the
    others (500 answers of 100,000 items held at once were over a gigabyte)."""
    app = create_app(":memory:", projects=[PROJECT])
    events: list[str] = []

    async def on_request(request: httpx.Request) -> None:
        if request.url.path.endswith("/workitemsbatch"):
            events.append("request")

    decode = wire.live_item

    def decoding(*args, **kwargs):
        if not events or events[-1] != "decode":
            events.append("decode")
        return decode(*args, **kwargs)

    http = httpx.AsyncClient(transport=asgi_transport(app), event_hooks={"request": [on_request]})
    async with Client(http, "http://local-board/org", PROJECT, max_concurrency=1) as client:
        ids = [
            (await client.create_item("Task", [_title(n)])).id for n in range(2 * BATCH_SIZE + 1)
        ]
        monkeypatch.setattr(wire, "live_item", decoding)
        items = await client.get_items(ids)
    assert [it.id for it in items] == ids
    assert events == ["request", "decode"] * 3


async def test_a_plan_keeps_only_what_it_reads_and_plans_the_same_as_with_every_field():
    first = desired(
        item("a", "Alpha", Priority=2, Tags=("ux",)),
        item("b", "Beta", State="Active", Description="<p>Some text</p>"),
        item("c", "Gamma", parent="a", Priority=3),
        item("d", "Delta"),
    )
    board = open_board()
    async with board.client:
        assert (await plan_and_apply(board, first))[1].ok
        client = board.client
        live = await fetch_live(client, first)
        by_key = {item.title: item for item in live.items.values()}
        # People work on the board: a title, a state, a tag of their own, a priority.
        for title, changes in (
            ("Alpha", {"System.Title": "Alpha (renamed)", "System.Tags": "ux; theirs"}),
            ("Beta", {"System.State": "Closed"}),
            ("Gamma", {"Microsoft.VSTS.Common.Priority": 1}),
        ):
            current = by_key[title]
            ops = [{"op": "test", "path": "/rev", "value": current.rev}]
            ops += [{"op": "add", "path": f"/fields/{k}", "value": v} for k, v in changes.items()]
            await client.update_item(current.id, ops)
        # ... and the manifests change too: d leaves them (prune closes it), a new item comes.
        second = desired(*first.items[:3], item("e", "Epsilon", parent="b"))
        process = await client.get_process()
        keep = planned_fields(second)
        whole = await fetch_live(client, second)
        slim = await fetch_live(client, second, keep=keep)

    target = Target("http://local-board/org", PROJECT, second.scope)
    assert slim.items.keys() == whole.items.keys()
    for id, kept in slim.items.items():
        assert set(kept.fields) == set(whole.items[id].fields) & keep
        assert kept.relations == tuple(
            LiveRelation(r.rel, r.url, {}, r.target_id) for r in whole.items[id].relations
        )
    assert "System.CreatedBy" in next(iter(whole.items.values())).fields  # left out: it is there
    planned = make_plan(second, slim, process, target, prune=True)
    assert planned == make_plan(second, whole, process, target, prune=True)
    assert {action.kind for action in planned.actions} >= {"update", "create", "remove"}


async def test_the_plan_pipeline_freezes_each_stage_out_of_the_collectors_sight(monkeypatch):
    """Load, fetch and plan each end with gc.freeze (engine.settle): a full collection that
    rescans every long-lived object was a third of a 100,000-item plan."""
    stages: list[int] = []
    monkeypatch.setattr(engine.gc, "freeze", lambda: stages.append(len(stages)))
    board = open_board()
    want = desired(item("a", "Alpha"))
    async with board.client:
        await plan_and_apply(board, want)
        plan = await engine.plan_against(board.client, want, engine.Options(org_url="x"))
    assert plan.unchanged == 1
    assert len(stages) == 4  # fetch and plan, once for plan_and_apply and once here


def test_loading_freezes_what_it_loaded(monkeypatch, tmp_path):
    frozen: list[bool] = []
    monkeypatch.setattr(engine.gc, "freeze", lambda: frozen.append(True))
    (tmp_path / "a.yaml").write_text(
        "apiVersion: witsync/v1\nscope: s\nitems:\n  - key: a\n    type: Task\n    title: A\n"
    )
    assert len(engine.load_desired([tmp_path], engine.Options()).items) == 1
    assert frozen == [True]


def test_settle_leaves_no_cyclic_garbage_behind_from_a_plan(tmp_path):
    """What a stage leaves alive is what is frozen: a stage must not leave cycles of garbage,
    which freezing would keep for good."""
    gc.collect()
    (tmp_path / "a.yaml").write_text(
        "apiVersion: witsync/v1\nscope: s\nitems:\n"
        + "".join(f"  - key: k{n}\n    type: Task\n    title: T{n}\n" for n in range(50))
    )
    engine.load_desired([tmp_path], engine.Options())
    assert gc.collect() == 0


def _title(n: int) -> dict[str, object]:
    return {"op": "add", "path": "/fields/System.Title", "value": f"item {n}"}


def _marker_by_urlsplit(url: str) -> tuple[str, str] | None:
    """parse_marker as it was before its fast paths: the reference they must agree with."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname != MARKER_HOST:
        return None
    segments = parts.path.split("/")
    if len(segments) != 3 or not segments[1] or not segments[2]:
        return None
    return unquote(segments[1]), unquote(segments[2])


URLS = st.tuples(
    st.sampled_from(["https://", "HTTPS://", "http://", " https://", "\thttps://", ""]),
    st.sampled_from(
        ["witsync.invalid", "WITSYNC.invalid", "witsync.inva\tlid", "u@witsync.invalid",
         "witsync.invalid:443", "dev.azure.com", ""]
    ),
    st.lists(st.sampled_from(["team", "k%20ey", "", "a b", "4\n2"]), max_size=3).map(
        lambda segments: "".join("/" + segment for segment in segments)
    ),
    st.sampled_from(["", "/", "?q", "#f", "\t", "\r", " "]),
).map("".join)  # fmt: skip


@given(URLS)
def test_the_marker_fast_paths_agree_with_urlsplit(url):
    """A plan reads every item's marker several times; the fast paths must not change a single
    answer (what urlsplit drops or cuts, case, ports, user names, other hosts)."""
    assert parse_marker(url) == _marker_by_urlsplit(url)


@pytest.mark.parametrize(
    "url",
    [
        marker_url("team", "a/b c"),
        "https://witsync.invalid/team/key",
        "https://witsync.invalid/team/key/",
        "https://witsync.invalid//key",
        "https://Witsync.Invalid/team/key",
        "https://witsync.invalid:443/team/key",
        "https://witsync.invalid/team/key?x=1",
        "https://witsync.invalid/te\tam/key",
        "https://witsync.invalid/team/k\ney",
        "https://witsync.invalid/team/key\r",
        "https://witsync.invalid/team/key#part",
        " https://witsync.invalid/team/key",
        "https://dev.azure.com/org/_apis/wit/workItems/42",
    ],
)
def test_the_marker_fast_paths_agree_with_urlsplit_on_known_cases(url):
    assert parse_marker(url) == _marker_by_urlsplit(url)
