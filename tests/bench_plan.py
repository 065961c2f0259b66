"""Benchmark: planning 10,000 managed items with nothing to change.

Run: .venv/bin/python tests/bench_plan.py [COUNT] [--serve]

The planner's own work (target < 2 s) on synthetic Desired and Live; with --serve, also the
whole `witsync plan` pipeline (load the YAML, process metadata, fetch, plan) against
`witsync serve` over a socket, with its request count (target < 15 s, at most
1 + ceil(N / 200) + a handful of requests).

Desired and Live are synthetic but shaped as a real board returns them after an apply:
identities as objects, tags re-sorted, HTML re-serialised, numbers as floats, a three-level
tree with reciprocal parent/child links, related links, and the marker hyperlink.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from plan_support import TARGET, process

from witsync.marker import marker_url, scope_tag
from witsync.model import (
    REL_CHILD,
    REL_HYPERLINK,
    REL_PARENT,
    REL_RELATED,
    Desired,
    DesiredItem,
    DesiredLink,
    Live,
    LiveItem,
    LiveRelation,
    Location,
)
from witsync.planning.planner import make_plan
from witsync.rendering.json import render_json
from witsync.rendering.text import render_plain

URL = "https://dev.azure.com/fabrikam/Fabrikam/_apis/wit/workItems/"


DESCRIPTIONS = {
    # what the manifest says -> what the board stores after the server's sanitiser
    "plain": (
        "Plain prose for item {n}.\nA second line.\n\nAnother paragraph.",
        "<p>Plain prose for item {n}.\nA second line.</p><p>Another paragraph.</p>",
    ),
    "html": (
        "<p>HTML for item {n}.</p>\n<ul><li>one</li><li>two</li></ul>",
        "<p>HTML for item {n}.</p><ul><li>one</li><li>two</li></ul>",
    ),
    "markdown": (
        "Some **markdown** for item {n}.\n\n- one\n- two",
        "<p>Some <strong>markdown</strong> for item {n}.</p><ul><li>one</li><li>two</li></ul>",
    ),
}


def synthetic(count: int, style: str = "plain") -> tuple[Desired, Live]:
    written, stored = DESCRIPTIONS[style]
    keys = [f"item-{n}" for n in range(count)]
    epics = max(1, count // 100)
    features = max(1, count // 10)

    def parent_of(n: int) -> int | None:
        if n < epics:
            return None
        if n < features:
            return n % epics
        return epics + n % (features - epics) if features > epics else 0

    items = []
    relations: dict[int, list[LiveRelation]] = {n: [] for n in range(count)}
    where = Location("backlog.yaml", 1, 1)
    for n, key in enumerate(keys):
        type = "Epic" if n < epics else "Feature" if n < features else "Task"
        parent = parent_of(n)
        links = (DesiredLink(REL_RELATED, keys[n - 1], where),) if n % 10 == 5 else ()
        items.append(
            DesiredItem(
                key=key,
                type=type,
                fields={
                    "System.Title": f"Work item number {n}",
                    "System.Description": written.format(n=n),
                    "System.Tags": ("team-a", f"Q{n % 4 + 1}"),
                    "System.AssignedTo": f"user{n % 50}@fabrikam.com",
                    "Microsoft.VSTS.Common.Priority": n % 4 + 1,
                    "System.AreaPath": "fabrikam\\web",
                },
                location=where,
                parent=keys[parent] if parent is not None else None,
                links=links,
            )
        )
        if parent is not None:
            relations[n].append(LiveRelation(REL_PARENT, URL + str(parent + 1), {}, parent + 1))
            relations[parent].append(LiveRelation(REL_CHILD, URL + str(n + 1), {}, n + 1))
        if links:
            relations[n].append(LiveRelation(REL_RELATED, URL + str(n), {}, n))
            relations[n - 1].append(LiveRelation(REL_RELATED, URL + str(n + 1), {}, n + 1))
    live_items = {}
    for n, key in enumerate(keys):
        desired = items[n]
        fields = {
            "System.Id": n + 1,
            "System.WorkItemType": desired.type,
            "System.Title": f"Work item number {n}",
            "System.Description": stored.format(n=n),
            "System.Tags": f"{scope_tag('web')}; Q{n % 4 + 1}; team-a",
            "System.AssignedTo": {
                "displayName": f"User {n % 50}",
                "uniqueName": f"USER{n % 50}@fabrikam.com",
                "descriptor": f"aad.{n % 50}",
            },
            "Microsoft.VSTS.Common.Priority": float(n % 4 + 1),
            "System.AreaPath": "Fabrikam\\Web",
            "System.State": "New",
        }
        marker = LiveRelation(REL_HYPERLINK, marker_url("web", key), {})
        live_items[n + 1] = LiveItem(n + 1, 3, fields, (*relations[n], marker))
    desired_set = Desired("web", tuple(items), ("backlog.yaml",), "sha256:bench")
    return desired_set, Live(live_items, frozenset(live_items))


def end_to_end(count: int) -> None:
    """Seed a board file, serve it, write matching manifests, and time the plan pipeline."""
    import asyncio
    import tempfile

    from bench_fetch import ORG, PROJECT, SCOPE, seed
    from serving import served

    from witsync.config import Settings
    from witsync.connect import open_client
    from witsync.engine import Options, load_desired, plan_against

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        asyncio.run(seed(root / "board.sqlite", count))
        lines = [f"apiVersion: witsync/v1\nproject: {PROJECT}\nscope: {SCOPE}\nitems:"]
        for n in range(count):
            lines.append(
                f"  - key: item-{n}\n    type: User Story\n    title: item {n}\n"
                "    description: <p>Some text</p>\n    priority: 2"
            )
        (root / "backlog.yaml").write_text("\n".join(lines) + "\n")
        with served(root / "board.sqlite", projects=[PROJECT], startup_timeout=30) as base_url:
            settings = Settings(org_url=f"{base_url}/{ORG}", project=PROJECT)

            async def pipeline() -> tuple[int, int]:
                async with open_client(settings, {}) as client:
                    options = Options.from_settings(settings)
                    desired = load_desired([root], options)
                    plan = await plan_against(client, desired, options)
                    return plan.unchanged, client.request_count

            started = time.perf_counter()
            unchanged, requests = asyncio.run(pipeline())
            elapsed = time.perf_counter() - started
    assert unchanged == count, unchanged
    print(
        f"witsync plan pipeline over a socket, {count} unchanged items: {elapsed:.2f} s "
        f"(target < 15 s), {requests} requests (budget 1 + {-(-count // 200)} + a handful)"
    )


def main() -> None:
    count = next((int(arg) for arg in sys.argv[1:] if arg.isdigit()), 10_000)
    proc = process()
    for style in DESCRIPTIONS:
        desired, live = synthetic(count, style)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            plan = make_plan(desired, live, proc, TARGET)
            timings.append(time.perf_counter() - started)
        assert plan.actions == (), plan.actions[:3]
        assert plan.unchanged == count
        started = time.perf_counter()
        render_plain(plan)
        render_json(plan)
        rendering = time.perf_counter() - started
        print(
            f"make_plan, {count} unchanged items, {style} descriptions: best {min(timings):.3f} s, "
            f"worst {max(timings):.3f} s (target < 2 s); rendering the empty plan {rendering:.3f} s"
        )

    if "--serve" in sys.argv:
        end_to_end(count)


if __name__ == "__main__":
    main()
