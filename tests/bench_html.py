"""Benchmark: the HTML plan of 10,000 items, its size and how fast a browser shows it.

Run: .venv/bin/python tests/bench_html.py [COUNT] [--keep DIR]

Two plans from the real planner (synthetic manifests and board, as tests/bench_plan.py makes
them): a day's pull request against a 10,000-item board (a few hundred retitled, reworded and
new items; the rest unchanged, their branches collapsed) and a first import (every item
created, every branch open). For each: the renderer's time, the file's size, and in headless
Chromium (Debian's, as the browser tests use) the time from opening the file to the page drawn
(`load`, then two animation frames), the median of three; then the time to hide the unchanged
items with the filter and to search by title. Target: drawn in under 2 s; the file a few
hundred bytes per item (a plan file of the same plan for comparison).
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_plan import synthetic
from browser_support import CHROMIUM_ARGS, chromium
from plan_support import TARGET, process

from witsync.model import Desired, DesiredItem, Live, Location, Plan
from witsync.planning.planner import make_plan
from witsync.rendering.html import render_html
from witsync.rendering.planfile import dump_plan

FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def pull_request(desired: Desired) -> Desired:
    """Every 20th item retitled, every 50th reworded, one new task per 50 items."""
    items: list[DesiredItem] = []
    for n, item in enumerate(desired.items):
        fields = dict(item.fields)
        if n % 20 == 7:
            fields["System.Title"] = f"{fields['System.Title']} (renamed in the pull request)"
        if n % 50 == 11:
            fields["System.Description"] = f"Reworded for item {n}.\nWith a second line."
        items.append(dataclasses.replace(item, fields=fields))
    features = [item.key for item in desired.items if item.type == "Feature"]
    for n in range(len(desired.items) // 50):
        items.append(
            DesiredItem(
                key=f"new-{n}",
                type="Task",
                fields={"System.Title": f"New task {n}", "System.Description": "To do."},
                location=Location("backlog.yaml", 100_000 + n, 3),
                parent=features[n % len(features)],
            )
        )
    return dataclasses.replace(desired, items=tuple(items))


def measure(name: str, plan: Plan, browser: object, folder: Path) -> None:
    started = time.perf_counter()
    page_text = render_html(plan)
    rendering = time.perf_counter() - started
    path = folder / f"{name}.html"
    path.write_text(page_text, encoding="utf-8")
    size = path.stat().st_size
    plan_file = len(dump_plan(plan).encode())
    items = len(plan.items)
    loads = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    for _ in range(3):
        started = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load")
        page.evaluate(FRAMES)
        loads.append(time.perf_counter() - started)
    started = time.perf_counter()
    page.click("input[value=unchanged]")
    page.evaluate(FRAMES)
    filtering = time.perf_counter() - started
    shown = page.inner_text("#shown")
    started = time.perf_counter()
    page.fill("#q", "item number 4321")
    page.wait_for_function("() => document.getElementById('shown').textContent.includes('of')")
    page.evaluate("() => document.getElementById('filters').dispatchEvent(new Event('submit'))")
    page.evaluate(FRAMES)
    searching = time.perf_counter() - started
    page.close()
    load = statistics.median(loads)
    print(
        f"{name}: {items:,} items, {len(plan.actions):,} changed; render {rendering:.2f} s; "
        f"file {size / 1e6:.1f} MB ({size / items:,.0f} bytes an item; the plan file "
        f"{plan_file / 1e6:.1f} MB); drawn in Chromium in {load:.2f} s median "
        f"(runs {', '.join(f'{t:.2f}' for t in loads)}; target < 2 s) "
        f"{'OK' if load < 2 else 'OVER'}; hide unchanged {filtering:.2f} s ({shown}); "
        f"search {searching:.2f} s"
    )


def main() -> None:
    count = next((int(arg) for arg in sys.argv[1:] if arg.isdigit()), 10_000)
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    path = chromium()
    if path is None:
        raise SystemExit("no Chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    desired, live = synthetic(count)
    plans = {
        "pull-request": make_plan(pull_request(desired), live, process(), TARGET),
        "first-import": make_plan(desired, Live({}, frozenset()), process(), TARGET),
    }
    with tempfile.TemporaryDirectory() as temporary, sync_playwright() as playwright:
        folder = Path(keep or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            for name, plan in plans.items():
                measure(name, plan, browser, folder)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
