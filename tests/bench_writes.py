"""Benchmark: writes in `$batch` against `witsync serve`, next to a naive one-request-per-item loop.

Run on demand (not collected by pytest):

    .venv/bin/python tests/bench_writes.py [--items 1000] [--latency-ms 50] [--parallelism 8]
                                           [--naive-items 1000]

On one server (`--latency-ms`, each run in an organization of its own), the apply of:
1. `--items` creates in a three-level tree (epics > features > stories);
2. the same items with one field changed each (updates);
3. no items left, with `--prune` (close): the removals;
and the same three done the naive way (one request per item, one after the other, as a script on
the SDK would) for `--naive-items` items. Prints requests and seconds per row, and the naive loop's
time scaled to `--items` when it ran on fewer. Targets at 50 ms: updates < 1.5 s and <= 20
requests, removals < 2 s and <= 20 requests, creates <= 11 requests (1,000 items).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
from bench_apply import PROJECT, SCOPE, Counting, serve, tree

from witsync.ado.client import Client
from witsync.applying.applier import apply_plan
from witsync.engine import Options, plan_against
from witsync.model import Desired, LiveItem

TARGETS = {"create": (None, 11), "update": (1.5, 20), "remove": (2.0, 20)}
"""Per row: (seconds, requests) at most, for 1,000 items at 50 ms (None: no target)."""


@dataclass(frozen=True)
class Row:
    what: str
    items: int
    requests: int
    seconds: float
    ok: bool


def changed(want: Desired) -> Desired:
    """Every item with one field changed (its title)."""
    items = tuple(
        replace(item, fields={**item.fields, "System.Title": f"{item.fields['System.Title']} v2"})
        for item in want.items
    )
    return replace(want, items=items)


async def witsync_row(
    client: Client, count: Counting, what: str, want: Desired, parallelism: int, prune: bool
) -> Row:
    """Plan (not measured), then apply (measured)."""
    options = Options(org_url=str(client.org_url), project=PROJECT, scope=SCOPE, prune=prune)
    plan = await plan_against(client, want, options)
    count.requests = count.writes = 0
    start = time.perf_counter()
    result = await apply_plan(client, plan, parallelism=parallelism)
    seconds = time.perf_counter() - start
    return Row(what, len(plan.actions), count.requests, seconds, result.ok)


async def naive_row(
    count: Counting, what: str, items: list[object], write: Callable[[object], Awaitable[None]]
) -> Row:
    count.requests = count.writes = 0
    start = time.perf_counter()
    for entry in items:
        await write(entry)
    return Row(what, len(items), count.requests, time.perf_counter() - start, True)


async def naive_rows(client: Client, count: Counting, want: Desired) -> list[Row]:
    """One request per item, one after the other: create (parents first), update, close."""
    ids: dict[str, int] = {}

    async def create(entry: object) -> None:
        item = want.items[int(str(entry))]
        ops: list[dict[str, object]] = [
            {"op": "add", "path": f"/fields/{name}", "value": value}
            for name, value in item.fields.items()
        ]
        if isinstance(item.parent, str):
            url = client.work_item_url(ids[item.parent])
            ops.append(
                {
                    "op": "add",
                    "path": "/relations/-",
                    "value": {"rel": "System.LinkTypes.Hierarchy-Reverse", "url": url},
                }
            )
        created = await client.create_item(item.type, ops)  # type: ignore[arg-type]
        ids[item.key] = created.id

    revs: dict[int, int] = {}

    async def update(entry: object) -> None:
        item_id = int(str(entry))
        patch = [
            {"op": "test", "path": "/rev", "value": revs.get(item_id, 1)},
            {"op": "replace", "path": "/fields/System.Title", "value": f"#{item_id} v2"},
        ]
        saved: LiveItem = await client.update_item(item_id, patch)  # type: ignore[arg-type]
        revs[item_id] = saved.rev

    async def close(entry: object) -> None:
        item_id = int(str(entry))
        patch = [
            {"op": "test", "path": "/rev", "value": revs[item_id]},
            {"op": "replace", "path": "/fields/System.State", "value": "Removed"},
        ]
        await client.update_item(item_id, patch)  # type: ignore[arg-type]

    rows = [await naive_row(count, "create", [str(n) for n in range(len(want.items))], create)]
    # the relations the creates added gave their parents no new rev on this board
    order = [ids[item.key] for item in want.items]
    rows.append(await naive_row(count, "update", list(order), update))
    rows.append(await naive_row(count, "remove", list(reversed(order)), close))
    return rows


def client_for(url: str, parallelism: int) -> tuple[Client, Counting]:
    count = Counting()
    limits = httpx.Limits(max_connections=parallelism, max_keepalive_connections=parallelism)
    http = httpx.AsyncClient(timeout=120, limits=limits, event_hooks={"request": [count]})
    return Client(http, url, PROJECT, max_concurrency=parallelism), count


def table(ours: list[Row], naive: list[Row], items: int) -> str:
    lines = [
        f"{'what':<8} {'items':>6} {'witsync req':>12} {'witsync s':>10} {'naive req':>10} "
        f"{'naive s':>9} {'naive s @' + str(items):>12} {'speed-up':>9} {'target':>16} {'ok':>4}",
    ]
    for mine, theirs in zip(ours, naive, strict=True):
        scaled = theirs.seconds * items / max(1, theirs.items)
        seconds, requests = TARGETS[mine.what]
        target = f"<={requests} req" + (f", <{seconds} s" if seconds is not None else "")
        met = mine.requests <= requests and (seconds is None or mine.seconds < seconds)
        lines.append(
            f"{mine.what:<8} {mine.items:>6} {mine.requests:>12} {mine.seconds:>10.2f} "
            f"{theirs.requests:>10} {theirs.seconds:>9.2f} {scaled:>12.1f} "
            f"{scaled / mine.seconds:>8.1f}x {target:>16} {'yes' if met and mine.ok else 'NO':>4}"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--naive-items", type=int, default=1000)
    args = parser.parse_args()
    want = tree(args.items)
    db = "writes.sqlite"
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / db, args.latency_ms) as url:
        base = url.rsplit("/", 1)[0]
        ours: list[Row] = []
        client, count = client_for(f"{base}/ours", args.parallelism)
        async with client:
            ours.append(await witsync_row(client, count, "create", want, args.parallelism, False))
            ours.append(
                await witsync_row(client, count, "update", changed(want), args.parallelism, False)
            )
            empty = replace(want, items=())
            ours.append(await witsync_row(client, count, "remove", empty, args.parallelism, True))
        client, count = client_for(f"{base}/naive", args.parallelism)
        async with client:
            naive = await naive_rows(client, count, tree(args.naive_items))
    print(
        f"writes at {args.latency_ms} ms latency, parallelism {args.parallelism}, "
        f"{args.items} items (naive loop: {args.naive_items}, one request per item in turn)"
    )
    print(table(ours, naive, args.items))


if __name__ == "__main__":
    asyncio.run(main())
