"""Benchmark of the emulator's WIQL engine over 100,000 stored items: python tests/bench_wiql.py."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from wiql_support import wiql_store

from witsync.emulator.wiql.run import WiqlContext, WiqlLimitError, run_wiql

ITEMS = 100_000
SCOPED = 20_000  # items carrying the scope tag: the flat query must return all of them
FIELD_TYPES = {
    "System.Id": "integer",
    "System.Title": "string",
    "System.State": "string",
    "System.Tags": "plainText",
    "System.TeamProject": "string",
    "System.ChangedDate": "dateTime",
    "System.AssignedTo": "identity",
    "System.AreaPath": "treePath",
    "System.WorkItemType": "string",
    "Microsoft.VSTS.Common.Priority": "integer",
}
LOWER = {k.lower(): (k, k, t) for k, t in FIELD_TYPES.items()}


def fill(conn: sqlite3.Connection) -> None:
    rows = []
    links = []
    for i in range(1, ITEMS + 1):
        fields = {
            "System.Id": i,
            "System.Rev": 3,
            "System.WorkItemType": "Task" if i % 10 else "User Story",
            "System.TeamProject": "Alpha",
            "System.State": ("New", "Active", "Resolved", "Closed")[i % 4],
            "System.Reason": "New",
            "System.Title": f"Work item number {i} with a reasonably long title",
            "System.AreaPath": f"Alpha\\Team {i % 7}",
            "System.IterationPath": "Alpha\\Sprint 1",
            "System.CreatedDate": "2026-11-01T08:00:00.123Z",
            "System.CreatedBy": "Ada Lovelace <ada@example.com>",
            "System.ChangedDate": f"2026-11-{1 + i % 28:02d}T08:{i % 60:02d}:00.5Z",
            "System.ChangedBy": "Ada Lovelace <ada@example.com>",
            "System.AssignedTo": "Bob Stone <bob@example.com>" if i % 3 else "",
            "System.Description": "<p>" + "Some description text. " * 8 + "</p>",
            "Microsoft.VSTS.Common.Priority": 1 + i % 4,
            "System.Tags": "witsync:team-a; backend" if i % 5 == 0 else "frontend",
        }
        rows.append(("bench", i, "Alpha", 3, 0, json.dumps(fields), "[]"))
        if i % 10 and i > 10:
            parent = i - i % 10
            links.append(("bench", parent, i, "System.LinkTypes.Hierarchy-Forward"))
            links.append(("bench", i, parent, "System.LinkTypes.Hierarchy-Reverse"))
    conn.executemany("INSERT INTO work_items VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO links VALUES (?, ?, ?, ?)", links)
    conn.commit()


def measure(conn: sqlite3.Connection, label: str, text: str, *, top: int | None = None) -> None:
    ctx = WiqlContext(
        org="bench",
        project="Alpha",
        me="Bob Stone <bob@example.com>",
        today=dt.date(2026, 11, 23),
        resolve_field=lambda name: LOWER.get(name.lower()),
        top=top,
    )
    times = []
    cpu = []
    count = 0
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            result = run_wiql(conn, text, ctx)
            count = len(result.work_item_ids) or len(result.relations)
        except WiqlLimitError:
            count = -1
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    median = statistics.median(times) * 1000
    # CPU time is reported too: on a shared machine wall time also measures the neighbours.
    print(
        f"{label:<50} {count:>6} rows  wall median {median:6.1f} ms  min {min(times) * 1000:6.1f}"
        f"  cpu median {statistics.median(cpu) * 1000:6.1f} ms"
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        conn = wiql_store(Path(tmp) / "bench.sqlite")
        start = time.perf_counter()
        fill(conn)
        took = time.perf_counter() - start
        print(f"inserted {ITEMS} items in {took:.1f} s; sqlite {sqlite3.sqlite_version}")
        measure(
            conn,
            "scope tag (20,000 of 100,000)",
            "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project "
            "AND [System.Tags] CONTAINS 'witsync:team-a'",
        )
        measure(
            conn,
            "scope tag + ORDER BY ChangedDate DESC",
            "SELECT [System.Id], [System.Title] FROM WorkItems WHERE [System.Tags] CONTAINS "
            "'witsync:team-a' ORDER BY [System.ChangedDate] DESC",
        )
        measure(
            conn,
            "State IN (..) AND AreaPath UNDER ORDER BY Title",
            "SELECT [System.Id] FROM WorkItems WHERE [System.State] IN ('new', 'Active') "
            "AND [System.AreaPath] UNDER 'alpha\\team 1' ORDER BY [System.Title]",
        )
        measure(
            conn,
            "AssignedTo = @me AND AreaPath UNDER (20,000 page)",
            "SELECT [System.Id] FROM WorkItems WHERE [System.AssignedTo] = @me "
            "AND [System.AreaPath] UNDER 'Alpha' AND [System.Id] > 0 ORDER BY [System.Id]",
            top=19_999,
        )
        measure(
            conn,
            "managed set, page after id 80,000 ($top 5,000)",
            "SELECT [System.Id] FROM WorkItems WHERE ([System.TeamProject] = @project AND "
            "[System.Tags] CONTAINS 'witsync:team-a') AND [System.Id] > 80000 "
            "ORDER BY [System.Id]",
            top=5000,
        )
        measure(
            conn,
            "all 100,000 (VS402337 expected: -1)",
            "SELECT [System.Id] FROM WorkItems",
        )
        measure(
            conn,
            "one-hop: 2,000 stories and their children",
            "SELECT [System.Id] FROM WorkItemLinks WHERE [Source].[System.Id] <= 20000 "
            "AND [Source].[System.WorkItemType] = 'User Story' "
            "AND [System.Links.LinkType] = 'System.LinkTypes.Hierarchy-Forward' MODE (MustContain)",
        )
        measure(
            conn,
            "tree: recursive hierarchy from id < 20000",
            "SELECT [System.Id] FROM WorkItemLinks WHERE [Source].[System.Id] < 20000 "
            "AND [System.Links.LinkType] = 'System.LinkTypes.Hierarchy-Forward' MODE (Recursive)",
        )
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
