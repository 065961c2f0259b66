"""Benchmark: the cost curve of plan, apply and validate from 1,000 to 100,000 items.

Run on demand (not collected by pytest):

    .venv/bin/python tests/bench_scale.py [--sizes 1000,10000,50000,100000]
                                          [--ops plan,apply,validate] [--serve] [--repeat N]

For each size and operation a fresh Python process does the work once and reports its requests,
wall seconds, CPU seconds and peak RSS (`ru_maxrss`: a peak is per process, so one process per
measurement), so that growth worse than linear shows in the per-item columns:

- plan: N unchanged items (seeded straight into a board file, as bench_fetch does) against
  manifests that match them: load the YAML, read the process, fetch, plan, as `witsync plan`
  does. Against the embedded board in the same process (what a user runs without --org; the
  emulator's own work counts), or with --serve against `witsync serve` in a subprocess, so that
  the figures are witsync's side alone. Target at 100,000: < 20 s, < 500 MB, <= 1 + 500 + a
  handful of requests.
- apply: N creates (a three-level tree: ~1% epics, ~9% features, the rest stories) on an empty
  board; the seconds are the apply's own (the plan before it is not counted), the RSS is the
  whole run's. Target at 100,000: < 60 s, < 1 GB.
- validate: `witsync validate` of N items in 10 files (bench_loader's items), offline. Target
  at 100,000: < 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

PROJECT = "Bench"
SCOPE = "bench"
LOCAL_ORG = "local"  # the organization of the embedded board (connect.LOCAL_ORG_URL)
TARGETS = {  # at 100,000 items: seconds, MB
    "plan": (20.0, 500.0),
    "apply": (60.0, 1024.0),
    "validate": (5.0, None),
}


def peak_rss_mb() -> float:
    """This process's peak resident set so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plan_manifests(folder: Path, count: int) -> None:
    """Manifests matching bench_fetch.seed's items, in files of at most 10,000 items."""
    folder.mkdir(parents=True, exist_ok=True)
    per_file = 10_000
    for start in range(0, count, per_file):
        lines = [f"apiVersion: witsync/v1\nproject: {PROJECT}\nscope: {SCOPE}\nitems:"]
        for n in range(start, min(count, start + per_file)):
            lines.append(
                f"  - key: item-{n}\n    type: User Story\n    title: item {n}\n"
                "    description: <p>Some text</p>\n    priority: 2"
            )
        (folder / f"part{start // per_file:03}.yaml").write_text("\n".join(lines) + "\n")


# -- the measurements (each in a process of its own) ---------------------------------------------


async def measure_plan(work: Path, serve_url: str | None) -> dict[str, float]:
    from witsync.engine import Options, load_desired, open_client, plan_against

    if serve_url is None:
        options = Options(project=PROJECT, board=work / "board.sqlite")
    else:
        options = Options(org_url=f"{serve_url}/bench", project=PROJECT)
    started = time.perf_counter()
    desired = load_desired([work / "manifests"], options)
    async with open_client(options) as client:
        plan = await plan_against(client, desired, options)
        requests = client.request_count
    assert plan.unchanged == len(desired.items), plan.unchanged
    assert not plan.actions, plan.actions[:3]
    return {"requests": requests, "seconds": time.perf_counter() - started}


async def measure_apply(work: Path, count: int, serve_url: str | None) -> dict[str, float]:
    from bench_apply import tree

    from witsync.applying.applier import apply_plan
    from witsync.engine import Options, open_client
    from witsync.fetch import fetch_live
    from witsync.model import Target
    from witsync.planning.planner import make_plan

    if serve_url is None:
        options = Options(project=PROJECT, board=work / "create.sqlite")
    else:
        options = Options(org_url=f"{serve_url}/bench", project=PROJECT)
    desired = tree(count)
    async with open_client(options) as client:
        process = await client.get_process()
        live = await fetch_live(client, desired)
        plan = make_plan(desired, live, process, Target("bench", PROJECT, SCOPE))
        assert len(plan.actions) == count
        before = client.request_count
        started = time.perf_counter()
        result = await apply_plan(client, plan)
        seconds = time.perf_counter() - started
        requests = client.request_count - before
    assert result.ok, [r for r in result.items if r.status != "ok"][:3]
    return {"requests": requests, "seconds": seconds}


def measure_validate(work: Path) -> dict[str, float]:
    import contextlib
    import io

    from witsync.cli import main

    started = time.perf_counter()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["validate", str(work / "validate")])
    assert code in (0, None), code
    assert out.getvalue().startswith("valid:"), out.getvalue()
    return {"requests": 0, "seconds": time.perf_counter() - started}


def child(op: str, work: Path, count: int, serve_url: str | None) -> None:
    cpu = time.process_time()
    if op == "plan":
        figures = asyncio.run(measure_plan(work, serve_url))
    elif op == "apply":
        figures = asyncio.run(measure_apply(work, count, serve_url))
    else:
        figures = measure_validate(work)
    figures["cpu"] = time.process_time() - cpu
    figures["rss"] = peak_rss_mb()
    print(json.dumps(figures))


# -- the parent: prepare, run each measurement in a fresh process, print the curve -----------------


def prepare(work: Path, count: int, ops: list[str], serve: bool) -> None:
    if "plan" in ops:
        from bench_fetch import seed

        plan_manifests(work / "manifests", count)
        started = time.perf_counter()
        asyncio.run(seed(work / "board.sqlite", count, org="bench" if serve else LOCAL_ORG))
        print(f"  seeded {count:,} items in {time.perf_counter() - started:.1f} s", flush=True)
    if "validate" in ops:
        from bench_loader import write_set

        (work / "validate").mkdir()
        write_set(work / "validate", count, 10)


def run_child(op: str, work: Path, count: int, serve_url: str | None) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", op, "--work", str(work), "--count", str(count)]
    if serve_url is not None:
        command += ["--serve-url", serve_url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{op} at {count}: exit {done.returncode}\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000,100000")
    parser.add_argument("--ops", default="plan,apply,validate")
    parser.add_argument("--serve", action="store_true", help="the board in a `witsync serve`")
    parser.add_argument("--repeat", type=int, default=1, help="runs per point (best is shown)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.work, args.count, args.serve_url)
        return 0

    from serving import served

    sizes = [int(size) for size in args.sizes.split(",")]
    ops = args.ops.split(",")
    where = "witsync serve in a subprocess" if args.serve else "the embedded board, in process"
    print(f"cost curve ({where}; {os.cpu_count()} cores)", flush=True)
    rows: list[tuple[str, int, dict[str, float]]] = []
    for count in sizes:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            prepare(work, count, ops, args.serve)
            for op in ops:
                runs = []
                for _ in range(args.repeat):
                    if op == "apply":  # a fresh, empty board for every run
                        (work / "create.sqlite").unlink(missing_ok=True)
                    if args.serve and op != "validate":
                        db = work / ("board.sqlite" if op == "plan" else "create.sqlite")
                        with served(db, projects=[PROJECT], startup_timeout=60) as url:
                            runs.append(run_child(op, work, count, url))
                    else:
                        runs.append(run_child(op, work, count, None))
                best = min(runs, key=lambda figures: figures["seconds"])
                best["rss"] = max(figures["rss"] for figures in runs)
                rows.append((op, count, best))
                print(f"  {line(op, count, best)}", flush=True)
    print()
    print(f"{'op':<9}{'items':>9}{'requests':>10}{'s':>9}{'CPU s':>9}{'MB':>8}{'µs/item':>9}")
    over = False
    for op, count, figures in rows:
        per_item = figures["seconds"] / count * 1e6
        print(
            f"{op:<9}{count:>9,}{int(figures['requests']):>10,}{figures['seconds']:>9.2f}"
            f"{figures['cpu']:>9.2f}{figures['rss']:>8.0f}{per_item:>9.1f}"
        )
        seconds, megabytes = TARGETS[op]
        if count == 100_000:
            over |= figures["seconds"] >= seconds
            over |= megabytes is not None and figures["rss"] >= megabytes
        if op == "plan":
            over |= figures["requests"] > 1 + math.ceil(count / 200) + 10
    print("targets at 100,000: plan < 20 s, < 500 MB; apply < 60 s, < 1 GB; validate < 5 s")
    return 1 if over else 0


def line(op: str, count: int, figures: dict[str, float]) -> str:
    return (
        f"{op} {count:,}: {int(figures['requests']):,} requests, {figures['seconds']:.2f} s "
        f"(CPU {figures['cpu']:.2f} s), peak RSS {figures['rss']:.0f} MB"
    )


if __name__ == "__main__":
    sys.exit(main())
