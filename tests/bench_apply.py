"""Benchmark: apply against `witsync serve` over a socket.

Run on demand (not collected by pytest):

    .venv/bin/python tests/bench_apply.py [--items 1000] [--latency-ms 50] [--parallelism 8]
                                          [--noop-items 10000]

1. Creates a three-level tree (epics > features > stories, `--items` in all) on a fresh board
   served with `--latency-ms`, and reports the apply's wall time and its requests per item
   (budget: under 15 s for 1,000 items at 50 ms, at most one request per item plus retries;
   creates ready together share `$batch` requests of up to 200, so far fewer are sent).
2. Seeds `--noop-items` managed items straight into a board file (as bench_fetch does), plans
   the same manifests and applies the (empty) plan: the apply must send no write at all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from bench_fetch import seed  # the same seeded board the fetch benchmark reads
from serving import served

from witsync.ado.client import Client
from witsync.applying.applier import apply_plan
from witsync.fetch import fetch_live
from witsync.model import Desired, DesiredItem, Location, Target
from witsync.planning.planner import make_plan

ORG = "bench"
PROJECT = "Bench"
SCOPE = "bench"
HERE = Location("bench.yaml", 1, 1)
WRITE_METHODS = {"PATCH", "DELETE"}


def tree(total: int) -> Desired:
    """~1% epics, ~9% features, the rest stories, each level evenly under the one above."""
    epics = max(1, total // 100)
    features = max(1, total * 9 // 100)
    stories = total - epics - features
    items = [
        DesiredItem(f"e{e}", "Epic", {"System.Title": f"Epic {e}"}, HERE) for e in range(epics)
    ]
    items += [
        DesiredItem(
            f"f{f}", "Feature", {"System.Title": f"Feature {f}"}, HERE, parent=f"e{f % epics}"
        )
        for f in range(features)
    ]
    items += [
        DesiredItem(
            f"s{s}",
            "User Story",
            {"System.Title": f"Story {s}", "Microsoft.VSTS.Common.Priority": 2},
            HERE,
            parent=f"f{s % features}",
        )
        for s in range(stories)
    ]
    return Desired(SCOPE, tuple(items), ("bench.yaml",), "bench", PROJECT)


def seeded(count: int) -> Desired:
    """The manifests that match bench_fetch.seed's items exactly."""
    fields = {
        "System.Description": "<p>Some text</p>",
        "Microsoft.VSTS.Common.Priority": 2,
    }
    items = tuple(
        DesiredItem(f"item-{n}", "User Story", {"System.Title": f"item {n}", **fields}, HERE)
        for n in range(count)
    )
    return Desired(SCOPE, items, ("bench.yaml",), "bench", PROJECT)


@contextlib.contextmanager
def serve(db: Path, latency_ms: int) -> Iterator[str]:
    """The organization URL of `witsync serve` on `db`, with `--latency-ms`."""
    latency = ["--latency-ms", str(latency_ms)]
    with served(db, projects=[PROJECT], extra_args=latency) as base_url:
        yield f"{base_url}/{ORG}"


class Counting:
    """Counts the requests an httpx client sends, and how many of them were writes."""

    def __init__(self) -> None:
        self.requests = 0
        self.writes = 0

    async def __call__(self, request: httpx.Request) -> None:
        self.requests += 1
        path = request.url.path
        is_read_post = path.endswith("/wiql") or path.endswith("/workitemsbatch")
        if request.method in WRITE_METHODS or (request.method == "POST" and not is_read_post):
            self.writes += 1


async def run(
    url: str, want: Desired, parallelism: int
) -> tuple[float, float, Counting, int, bool]:
    count = Counting()
    limits = httpx.Limits(max_connections=parallelism, max_keepalive_connections=parallelism)
    http = httpx.AsyncClient(timeout=60, limits=limits, event_hooks={"request": [count]})
    async with Client(http, url, PROJECT, max_concurrency=parallelism) as client:
        start = time.perf_counter()
        process = await client.get_process()
        live = await fetch_live(client, want)
        plan = make_plan(want, live, process, Target(url, PROJECT, SCOPE))
        planned = time.perf_counter()
        count.requests = count.writes = 0
        result = await apply_plan(client, plan, parallelism=parallelism)
        applied = time.perf_counter()
    return planned - start, applied - planned, count, len(plan.actions), result.ok


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--noop-items", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        want = tree(args.items)
        with serve(Path(tmp) / "create.sqlite", args.latency_ms) as url:
            plan_s, apply_s, count, actions, ok = await run(url, want, args.parallelism)
        print(
            f"create {actions} items (3-level tree), latency {args.latency_ms} ms, "
            f"parallelism {args.parallelism}: apply {apply_s:.2f} s "
            f"({actions / apply_s:.0f} items/s), {count.requests} requests "
            f"({count.requests / actions:.3f} per item), {count.writes} writes, ok={ok}; "
            f"plan beforehand {plan_s:.2f} s; sequential would take >= "
            f"{actions * args.latency_ms / 1000:.0f} s"
        )
        db = Path(tmp) / "noop.sqlite"
        await seed(db, args.noop_items)
        with serve(db, 0) as url:
            plan_s, apply_s, count, actions, ok = await run(
                url, seeded(args.noop_items), args.parallelism
            )
        print(
            f"no-op over {args.noop_items} managed items: plan {plan_s:.2f} s, "
            f"{actions} actions; apply {apply_s * 1000:.1f} ms, {count.requests} requests, "
            f"{count.writes} writes, ok={ok}"
        )


if __name__ == "__main__":
    asyncio.run(main())
