"""Emulator benchmark (on demand): 100,000 work items; read 200 by id; flat WIQL with 20,000 hits.

    .venv/bin/python tests/bench_emulator.py [--items 100000]

Items are seeded straight into the store (one transaction), not through 100,000 HTTP requests.
Each figure is the median of several runs through the in-process transport (the embedded board).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from serving import served

from witsync.emulator import asgi_transport, create_app
from witsync.emulator.store import Store
from witsync.emulator.values import now_stamp

V = "api-version=7.1"
PERSON = "Ann Lee <ann@example.com>"


def seed(store: Store, org: str, count: int) -> float:
    """`count` Agile user stories; every fifth one is Active and tagged `hot` (20% match)."""
    started = time.perf_counter()
    stamp = now_stamp()
    rows = []
    for n in range(1, count + 1):
        hot = n % 5 == 0
        fields = {
            "System.Id": n,
            "System.Rev": 1,
            "System.WorkItemType": "User Story",
            "System.TeamProject": "Fabrikam",
            "System.AreaPath": "Fabrikam",
            "System.IterationPath": "Fabrikam",
            "System.Title": f"Story number {n}",
            "System.State": "Active" if hot else "New",
            "System.Reason": "New",
            "System.CreatedDate": stamp,
            "System.CreatedBy": PERSON,
            "System.ChangedDate": stamp,
            "System.ChangedBy": PERSON,
            "System.Tags": "hot; web" if hot else "web",
            "Microsoft.VSTS.Common.Priority": 1 + n % 4,
            "Microsoft.VSTS.Scheduling.StoryPoints": float(n % 13),
            "System.Description": f"<p>Description of story {n}</p>",
        }
        rows.append((org, n, "Fabrikam", json.dumps(fields)))
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO work_items (org, id, project, rev, deleted, fields, relations) "
            "VALUES (?, ?, ?, 1, 0, ?, '[]')",
            rows,
        )
        store.reserve_ids(org, count)
    return time.perf_counter() - started


async def timed(
    runs: int, call: Callable[[], Awaitable[httpx.Response]]
) -> tuple[float, httpx.Response]:
    times = []
    answer = None
    for _ in range(runs):
        started = time.perf_counter()
        answer = await call()
        times.append(time.perf_counter() - started)
    assert answer is not None
    return statistics.median(times), answer


async def measure(http: httpx.AsyncClient, count: int, label: str) -> None:
    """The figures, through `http` (in-process transport or a socket to `witsync serve`)."""
    print(f"-- {label}")
    ids = random.Random(1).sample(range(1, count + 1), 200)
    joined = ",".join(map(str, ids))
    median, answer = await timed(
        10, lambda: http.get(f"/local/_apis/wit/workitems?ids={joined}&{V}")
    )
    assert answer.status_code == 200
    assert len(answer.json()["value"]) == 200
    print(f"GET workitems?ids= (200 ids)              {median * 1000:7.1f} ms")
    median, answer = await timed(
        10, lambda: http.get(f"/local/_apis/wit/workitems?ids={joined}&$expand=all&{V}")
    )
    print(f"GET workitems?ids= (200 ids, $expand=all) {median * 1000:7.1f} ms")
    median, answer = await timed(
        10,
        lambda: http.post(
            f"/local/_apis/wit/workitemsbatch?{V}", json={"ids": ids, "fields": ["System.Title"]}
        ),
    )
    print(f"POST workitemsbatch (200 ids, 1 field)    {median * 1000:7.1f} ms")
    for name, where in (
        ("State = 'Active'", "[System.State] = 'Active'"),
        ("Tags CONTAINS 'hot'", "[System.Tags] CONTAINS 'hot'"),
    ):
        query = (
            "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND "
            f"{where} ORDER BY [System.Id]"
        )
        median, answer = await timed(
            5, lambda q=query: http.post(f"/local/Fabrikam/_apis/wit/wiql?{V}", json={"query": q})
        )
        assert answer.status_code == 200, answer.text
        hits = len(answer.json()["workItems"])
        print(f"WIQL flat, {name:<22} {hits:>6,} hits {median * 1000:7.1f} ms")
    ops = json.dumps([{"op": "replace", "path": "/fields/System.Title", "value": label}])
    started = time.perf_counter()
    for n in range(1, 101):
        await http.patch(
            f"/local/_apis/wit/workitems/{n}?{V}",
            content=ops,
            headers={"Content-Type": "application/json-patch+json"},
        )
    mean = (time.perf_counter() - started) * 10
    print(f"PATCH one field (mean of 100)             {mean:7.1f} ms")


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.sqlite"
        app = create_app(db, projects=["Fabrikam"])
        transport = asgi_transport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://local-board") as http:
            await http.get(f"/local/_apis/projects?{V}")
            seconds = seed(app.state.emulator.store, "local", count)
            size = db.stat().st_size / 1e6
            print(f"seeded {count:,} work items in {seconds:.2f} s ({size:.0f} MB)")
            await measure(http, count, "in-process (the embedded board)")
        app.state.emulator.store.close()
        with served(db, projects=["Fabrikam"]) as url:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                await measure(http, count, "over a socket (witsync serve, uvicorn)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--items", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().items))
