"""Kill `witsync apply` (SIGKILL) at random moments against `witsync serve`, re-run until done:
the board converges to the manifests with one work item per key and no stray links."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from witsync.ado.client import Client
from witsync.marker import marker_keys, scope_tag
from witsync.model import REL_CHILD, REL_PARENT, REL_RELATED

pytestmark = pytest.mark.slow

PROJECT = "Fabrikam"  # a project of the shared emulator_server fixture
SCOPE = "kill"
EPICS, FEATURES, STORIES = 2, 3, 4  # 2 + 6 + 24 = 32 items
WRITING = "in this order:"
"""The end of the plan's heading: with --yes, apply starts writing right after printing it."""


def manifests(version: int) -> str:
    """Version 1 creates the tree; version 2 renames, re-parents, links and drops items."""
    lines = ["apiVersion: witsync/v1", "items:"]
    for e in range(EPICS):
        lines += [f"  - key: e{e}", "    type: Epic", f"    title: Epic {e} v{version}"]
        lines += ["    children:"]
        for f in range(FEATURES):
            lines += [
                f"      - key: e{e}f{f}",
                "        type: Feature",
                f"        title: F {e}.{f}",
            ]
            lines += ["        children:"]
            for s in range(STORIES):
                if version == 2 and s == STORIES - 1:
                    continue  # left the manifests: pruned
                lines += [f"          - key: e{e}f{f}s{s}", "            type: User Story"]
                title = f"S {e}.{f}.{s}" + (" v2" if version == 2 else "")
                lines += [f"            title: {title}", f"            priority: {1 + s % 3}"]
                if s % 2 == 0:
                    # a later step after the create: a kill between the two is finished by
                    # the next run although state is create-only
                    lines += ["            state: Active"]
                if version == 2 and s:
                    lines += [f"            related: [e{e}f{f}s{s - 1}]"]
    return "\n".join(lines) + "\n"


def expected_keys(version: int) -> set[str]:
    last = STORIES - 1 if version == 2 else STORIES
    keys = {f"e{e}" for e in range(EPICS)} | {
        f"e{e}f{f}" for e in range(EPICS) for f in range(FEATURES)
    }
    keys |= {f"e{e}f{f}s{s}" for e in range(EPICS) for f in range(FEATURES) for s in range(last)}
    return keys


class Run:
    """One `witsync` process in `repo`, its stderr appended to repo/witsync.log."""

    def __init__(self, repo: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WITSYNC_")}
        self.log = repo / "witsync.log"
        self.start = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "witsync", *args],
                cwd=repo,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def output(self) -> str:
        with self.log.open("rb") as log:
            log.seek(self.start)
            return log.read().decode(errors="replace")

    def kill_at_random(self, rng: random.Random, after: str, within: float) -> bool:
        """SIGKILL at a random moment within `within` seconds after the run printed `after`;
        True when the kill cut the run off while it was writing (its plan was shown, and so
        its writes had begun, but it had not finished)."""
        deadline = time.monotonic() + 60
        while self.process.poll() is None and after not in self.output():
            assert time.monotonic() < deadline, f"witsync never printed {after!r}"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, within))
        if self.process.poll() is not None:
            return False
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        return WRITING in self.output()

    def wait(self) -> int:
        return self.process.wait(timeout=120)


def apply_with_kills(repo: Path, rng: random.Random, *extra: str) -> int:
    """Run apply and kill it at a random moment, six times; then run it to the end.
    Returns how many kills cut a run off while it was writing."""
    mid_write = 0
    for attempt in range(6):
        run = Run(repo, "apply", "--yes", "--parallelism", "2", *extra)
        # while writing (first, before the work is done), or at any moment, planning included
        if attempt % 2 == 0:
            mid_write += run.kill_at_random(rng, WRITING, 0.5)
        else:
            mid_write += run.kill_at_random(rng, "target:", 2.0)
    for _ in range(5):
        if Run(repo, "apply", "--yes", *extra).wait() == 0:
            return mid_write
    raise AssertionError(f"apply never finished:\n{(repo / 'witsync.log').read_text()}")


async def board_state(
    url: str,
) -> dict[str, list[tuple[int, dict[str, set[int | None]], str, str]]]:
    async with Client(httpx.AsyncClient(timeout=30), url, PROJECT) as client:
        ids = await client.query_ids(
            "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"
            " ORDER BY [System.Id]"
        )
        state: dict[str, list[tuple[int, dict[str, set[int | None]], str, str]]] = {}
        for item in await client.get_items(ids):
            links = {
                rel: {r.target_id for r in item.relations if r.rel == rel}
                for rel in (REL_PARENT, REL_CHILD, REL_RELATED)
            }
            tags = str(item.fields.get("System.Tags", ""))
            status = str(item.fields.get("System.State", ""))
            for key in marker_keys(item, SCOPE) or ["<no key>"]:
                state.setdefault(key, []).append((item.id, links, tags, status))
        return state


def check_board(url: str, version: int) -> None:
    state = asyncio.run(board_state(url))
    assert {k: len(v) for k, v in state.items() if len(v) > 1} == {}, "duplicates"
    assert "<no key>" not in state, "an item without a marker was created"
    assert set(state) == expected_keys(version)
    ids = {key: entries[0][0] for key, entries in state.items()}
    for key, [(_, links, tags, status)] in state.items():
        assert scope_tag(SCOPE) in tags
        if len(key) == 6 and int(key[-1]) % 2 == 0:
            assert status == "Active", f"{key}: state {status}, the create's move never happened"
        want_parent = {ids[key[: len(key) - 2]]} if len(key) > 2 else set()
        assert links[REL_PARENT] == want_parent, f"{key}: parent {links[REL_PARENT]}"
        children = {ids[k] for k in ids if len(k) == len(key) + 2 and k.startswith(key)}
        assert links[REL_CHILD] == children, f"{key}: children {links[REL_CHILD]}"
        related = set()
        if version == 2 and len(key) == 6:
            last = STORIES - 1
            s = int(key[-1])
            related = {ids[key[:-1] + str(n)] for n in (s - 1, s + 1) if 0 <= n < last}
        assert links[REL_RELATED] == related, f"{key}: related {links[REL_RELATED]}"
        # every link points at a live item of the set: nothing orphaned
        for targets in links.values():
            assert targets <= set(ids.values()), f"{key}: link to an item outside the set"


@pytest.mark.parametrize("emulator_server", [["--latency-ms", "250"]], indirect=True)
def test_killing_apply_at_random_moments_converges_without_duplicates(
    tmp_path: Path, emulator_server: str
) -> None:
    server = f"{emulator_server}/killorg"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "witsync.yaml").write_text(
        f"org: {server}\nproject: {PROJECT}\nscope: {SCOPE}\nremoval: delete\n"
    )
    rng = random.Random(20261123)
    (repo / "backlog.yaml").write_text(manifests(1))
    kills_1 = apply_with_kills(repo, rng)
    check_board(server, 1)
    (repo / "backlog.yaml").write_text(manifests(2))
    kills_2 = apply_with_kills(repo, rng, "--prune")
    check_board(server, 2)
    assert Run(repo, "plan", "--detailed-exitcode", "--prune").wait() == 0
    assert kills_1 >= 1, "no kill landed mid-write while creating: the test proves nothing"
    assert kills_2 >= 1, "no kill landed mid-write while updating: the test proves nothing"
