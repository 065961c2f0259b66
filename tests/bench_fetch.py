"""Benchmark: fetch 10,000 managed items (plus process metadata) from `witsync serve` over a socket.

Run on demand (not collected by pytest):

    .venv/bin/python tests/bench_fetch.py [--items 10000] [--latency-ms 0]

Seeds a fresh board file: one item is created through the API, then cloned in one SQLite
transaction through the emulator's store (creating 10,000 items one request at a time would
measure the emulator's writes, not the fetch). Then starts `witsync serve` on a free loopback
port and times `get_process` + `fetch_live` with a fresh client, printing the request count
against the budget of 1 + ceil(N / 200) + a handful of metadata requests.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import math
import tempfile
import time
from pathlib import Path

import httpx
from serving import served

from witsync.ado.client import WIQL_PAGE, Client
from witsync.emulator import asgi_transport, create_app
from witsync.emulator.store import Item, Store
from witsync.fetch import fetch_live
from witsync.marker import marker_url, scope_tag
from witsync.model import Desired

ORG = "bench"
PROJECT = "Bench"
SCOPE = "bench"


async def seed(db: Path, count: int, *, org: str = ORG) -> None:
    """`count` managed items in `db`, under organization `org`, project PROJECT."""
    app = create_app(db=db, projects=[PROJECT])
    async with httpx.AsyncClient(transport=asgi_transport(app)) as http:
        client = Client(http, f"http://local-board/{org}", PROJECT)
        template = await client.create_item(
            "User Story",
            [
                {"op": "add", "path": "/fields/System.Title", "value": "item 0"},
                {"op": "add", "path": "/fields/System.Tags", "value": scope_tag(SCOPE)},
                {"op": "add", "path": "/fields/System.Description", "value": "<p>Some text</p>"},
                {"op": "add", "path": "/fields/Microsoft.VSTS.Common.Priority", "value": 2},
                {
                    "op": "add",
                    "path": "/relations/-",
                    "value": {"rel": "Hyperlink", "url": marker_url(SCOPE, "item-0")},
                },
            ],
        )
    store = Store(db)
    row = store.get(org, template.id)
    assert row is not None
    first = store.reserve_ids(org, count - 1)
    with store.write():
        for n in range(1, count):
            clone = copy.deepcopy(row)
            clone.id = first + n - 1
            clone.fields["System.Id"] = clone.id
            clone.fields["System.Title"] = f"item {n}"
            clone.relations[0]["url"] = marker_url(SCOPE, f"item-{n}")
            store.put(
                Item(org, clone.id, clone.project, clone.rev, False, clone.fields, clone.relations)
            )
    store.close()


async def measure(base_url: str, count: int) -> None:
    async with httpx.AsyncClient(timeout=60.0) as http:
        client = Client(http, f"{base_url}/{ORG}", PROJECT)
        desired = Desired(scope=SCOPE, items=(), files=(), digest="")
        started = time.perf_counter()
        process, live = await asyncio.gather(client.get_process(), fetch_live(client, desired))
        elapsed = time.perf_counter() - started
    assert len(live.managed_ids) == count, f"found {len(live.managed_ids)} of {count}"
    assert len(live.items) == count
    wiql_pages = 1 + count // WIQL_PAGE
    budget = wiql_pages + math.ceil(count / 200)
    print(f"items fetched:      {len(live.items)} (with relations), {len(process.types)} types")
    print(
        f"requests:           {client.request_count} = 3 metadata + {wiql_pages} WIQL + "
        f"{math.ceil(count / 200)} batch reads (budget {budget} + a handful of metadata)"
    )
    print(f"get_process + fetch_live over a socket: {elapsed:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "board.sqlite"
        started = time.perf_counter()
        asyncio.run(seed(db, args.items))
        print(f"seeded {args.items} items in {time.perf_counter() - started:.1f} s")
        latency = ["--latency-ms", str(args.latency_ms)]
        with served(db, projects=[PROJECT], extra_args=latency, startup_timeout=30) as base_url:
            asyncio.run(measure(base_url, args.items))


if __name__ == "__main__":
    main()
