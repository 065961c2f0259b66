"""Benchmark: load and validate 10,000 items (about 2 MB of YAML in 4 files). Run on demand:

    .venv/bin/python tests/bench_loader.py [--items N] [--files N] [--rounds N]

Prints the size, the best and median wall time and the best CPU time of `load()` (read, parse,
schema, items, graph) and of its main phases; exits 1 when the best wall time is over 3 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from witsync.loading.loader import load
from witsync.loading.options import LoadOptions
from witsync.loading.schema import check
from witsync.loading.yamlsource import parse_yaml

BUDGET_S = 3.0


def item_yaml(i: int, total: int) -> str:
    """A realistic item: nested child every 5th, links, tags, a two-line description."""
    lines = [
        f"  - key: story-{i}",
        "    type: User Story",
        f"    title: Story {i} lets a customer do one more useful thing",
        f"    storyPoints: {i % 8 + 1}",
        f"    priority: {i % 4 + 1}",
        f"    tags: [web, t{i % 10}]",
    ]
    if i % 3 == 0:
        lines += ["    description: |", f"      Why story {i} matters.", "      What done means."]
    if i % 7 == 0 and i + 1 < total:
        lines.append(f"    related: [story-{i + 1}]")
    return "\n".join(lines)


def write_set(folder: Path, items: int, files: int) -> int:
    per_file = items // files
    size = 0
    for f in range(files):
        body = [
            "apiVersion: witsync/v1",
            "scope: bench",
            "defaults:",
            "  area: Bench\\Web",
            "  iteration: Bench\\Sprint 1",
            "items:",
        ]
        start = f * per_file
        body += [item_yaml(i, items) for i in range(start, start + per_file)]
        text = "\n".join(body) + "\n"
        (folder / f"part{f}.yaml").write_text(text, encoding="utf-8")
        size += len(text.encode())
    return size


def timed(action: Callable[[], object], rounds: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds per round (CPU time is the fair figure on a busy machine)."""
    wall, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = write_set(folder, args.items, args.files)
        files = sorted(folder.glob("*.yaml"))
        texts = [(path.read_text(), str(path)) for path in files]
        options = LoadOptions(scope="bench")
        desired = load([folder], options)
        assert len(desired.items) == args.items, len(desired.items)

        def parse_all() -> None:
            for text, name in texts:
                parse_yaml(text, name)

        parsed = [parse_yaml(text, name) for text, name in texts]

        def schema_all() -> None:
            for document in parsed:
                check(document.root, "manifest.schema.json", document.file)

        phases = {
            "parse (libyaml events -> values with marks)": timed(parse_all, args.rounds),
            "schema (compiled fast path)": timed(schema_all, args.rounds),
            "load() end to end": timed(lambda: load([folder], options), args.rounds),
        }
    print(f"{args.items:,} items, {args.files} files, {size / 1024 / 1024:.2f} MB")
    for name, (wall, cpu) in phases.items():
        print(
            f"  {name:<45} wall best {min(wall):.3f} s, median {statistics.median(wall):.3f} s; "
            f"CPU best {min(cpu):.3f} s"
        )
    best = min(phases["load() end to end"][0])
    print(f"budget {BUDGET_S:.1f} s: {'ok' if best <= BUDGET_S else 'OVER'}")
    return 0 if best <= BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
