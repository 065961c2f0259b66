"""Benchmark: `witsync export` of 10,000 work items from `witsync serve` over a socket.

Run on demand (not collected by pytest):

    .venv/bin/python tests/bench_export.py [--items 10000] [--latency-ms 0]

Seeds a fresh board file shaped like a real backlog: 1% epics, 10% features, the rest user
stories and tasks in a tree, with HTML descriptions (half convert to Markdown, half stay HTML),
identities, tags, areas, iterations, remaining work, and a related link on every tenth item.
A template of each type is created through the API, then cloned in one SQLite transaction
through the emulator's store (creating 10,000 items a request at a time would time the
emulator's writes, not the export). Then `witsync export` runs against `witsync serve` on a
free loopback port, and the time and the request count are printed against the targets:
under 10 s, at most 1 WIQL + ceil(N / 200) batch reads + a handful of metadata requests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import io
import math
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx
from serving import served

sys.path.insert(0, str(Path(__file__).parent))

from board_support import CAROL, DAN, People

from witsync.cli import main
from witsync.emulator import asgi_transport, create_app
from witsync.emulator.store import Item, Store, project_guid

ORG = "bench"
PROJECT = "Bench"
TARGET_SECONDS = 10.0
HANDFUL = 4
"""Requests besides the WIQL and the batch reads: types, fields, classification nodes (and
one to spare)."""

DESCRIPTIONS = (
    "<p>Item {n}: customers <strong>sign in</strong> with the account they have.</p>"
    "<ul><li>Microsoft first</li><li>then GitHub</li></ul>",
    "<div>Item {n}, typed in the web form</div><div><br></div><div>with two lines</div>",
)


async def seed(db: Path, count: int) -> None:
    app = create_app(db=db, projects=[PROJECT])
    async with httpx.AsyncClient(transport=asgi_transport(app, owns_app=True)) as http:
        people = People(http, f"http://local-board/{ORG}", PROJECT)
        for area in ("Web", "Mobile", "Ops"):
            await people.add_node("Areas", area)
        templates = {}
        for type in ("Epic", "Feature", "User Story", "Task"):
            fields = {
                "System.Title": f"template {type}",
                "System.Tags": "team-a; Q3",
                "System.AssignedTo": DAN,
            }
            if type == "Task":
                fields["Microsoft.VSTS.Scheduling.RemainingWork"] = 4
            templates[type] = await people.create(type, fields, who=CAROL)
    store = Store(db)
    rows = {type: store.get(ORG, id) for type, id in templates.items()}
    guid = project_guid(ORG, PROJECT)
    first = store.reserve_ids(ORG, count)
    epics, features = max(1, count // 100), max(2, count // 10)

    def url(id: int) -> str:
        return f"/{ORG}/{guid}/_apis/wit/workItems/{id}"

    def parent_of(n: int) -> int | None:
        if n < epics:
            return None
        if n < features:
            return n % epics
        return epics + n % (features - epics)

    children: dict[int, list[int]] = {}
    for n in range(count):
        parent = parent_of(n)
        if parent is not None:
            children.setdefault(parent, []).append(n)

    with store.write():
        for n in range(count):
            type = (
                "Epic" if n < epics else "Feature" if n < features
                else "Task" if n % 3 else "User Story"
            )  # fmt: skip
            row = rows[type]
            assert row is not None
            item = copy.deepcopy(row)
            item.id = first + n
            item.fields["System.Id"] = item.id
            item.fields["System.Title"] = f"Work item number {n}: sign-in flow"
            item.fields["System.Description"] = DESCRIPTIONS[n % 2].format(n=n)
            item.fields["System.AreaPath"] = f"{PROJECT}\\{('Web', 'Mobile', 'Ops')[n % 3]}"
            item.fields["System.IterationPath"] = f"{PROJECT}\\Sprint {n % 6 + 1}"
            item.relations = []
            parent = parent_of(n)
            if parent is not None:
                item.relations.append(
                    {"rel": "System.LinkTypes.Hierarchy-Reverse", "url": url(first + parent),
                     "attributes": {"isLocked": False, "name": "Parent"}}
                )  # fmt: skip
            for child in children.get(n, []):
                item.relations.append(
                    {"rel": "System.LinkTypes.Hierarchy-Forward", "url": url(first + child),
                     "attributes": {"isLocked": False, "name": "Child"}}
                )  # fmt: skip
            if n % 10 == 5:
                item.relations.append(
                    {"rel": "System.LinkTypes.Related", "url": url(first + n - 1),
                     "attributes": {"isLocked": False, "name": "Related"}}
                )  # fmt: skip
            if n % 10 == 4 and n + 1 < count:
                item.relations.append(
                    {"rel": "System.LinkTypes.Related", "url": url(first + n + 1),
                     "attributes": {"isLocked": False, "name": "Related"}}
                )  # fmt: skip
            store.put(Item(ORG, item.id, item.project, 1, False, item.fields, item.relations))
        for id in templates.values():  # only the clones are exported
            template = store.get(ORG, id)
            assert template is not None
            template.fields["System.AreaPath"] = f"{PROJECT}\\Templates"
            store.put(template)
    store.close()


def measure(base: str, folder: Path, count: int) -> tuple[float, int, int, int]:
    err = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stderr(err):
        code = main(
            [
                "export", "--org", f"{base}/{ORG}", "--project", PROJECT, "--scope", "bench",
                "--area", f"{PROJECT}\\Web", "--out", str(folder / "out"), "--split", "area",
            ]
        )  # fmt: skip
    elapsed = time.perf_counter() - started
    text = err.getvalue()
    if code != 0:
        raise SystemExit(text)
    exported = int(re.search(r"exported (\d+) work item", text).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"\((\d+) requests", text).group(1))  # type: ignore[union-attr]
    files = len(list((folder / "out").glob("*.yaml")))
    return elapsed, exported, requests, files


def run(count: int, latency_ms: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        started = time.perf_counter()
        asyncio.run(seed(folder / "board.sqlite", count * 3))
        print(f"seeded {count * 3} work items ({count} in the exported area) "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        extra = ["--latency-ms", str(latency_ms)] if latency_ms else []
        with served(folder / "board.sqlite", projects=[PROJECT], extra_args=extra) as base:
            elapsed, exported, requests, files = measure(base, folder, count)
        budget = 1 + math.ceil(exported / 200) + HANDFUL
        size = sum(path.stat().st_size for path in (folder / "out").glob("*.yaml"))
        print(
            f"export of {exported} work items over a socket: {elapsed:.2f} s "
            f"(target < {TARGET_SECONDS:.0f} s), {requests} requests "
            f"(target <= 1 WIQL + {math.ceil(exported / 200)} batch reads + {HANDFUL} = {budget}), "
            f"{files} files, {size / 1024 / 1024:.1f} MB of YAML"
        )
        ok = elapsed < TARGET_SECONDS and requests <= budget
        print("OK" if ok else "OVER TARGET")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--items", type=int, default=10_000, help="work items to export")
    parser.add_argument("--latency-ms", type=int, default=0, help="server latency per request")
    options = parser.parse_args()
    run(options.items, options.latency_ms)
