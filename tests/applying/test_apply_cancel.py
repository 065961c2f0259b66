"""Stopping an apply (Ctrl-C, a cancelled pipeline): no write starts after the stop, the writes in
flight (at most --parallelism) land and are reported, and every write that landed is in the result.

In-process first (apply_plan with a cancel event, the emulator with latency, every request and
answer logged), then end to end: SIGINT / SIGTERM to `witsync apply` against `witsync serve`.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from apply_support import Board, desired, item, items_by_key, open_board, plan_and_apply, plan_for

from witsync.ado.client import Client
from witsync.applying.applier import apply_plan
from witsync.emulator import EmulatorOptions
from witsync.errors import INTERRUPTED
from witsync.marker import marker_keys
from witsync.model import ItemResult

LATENCY = EmulatorOptions(latency_ms=20)


def is_write(request: httpx.Request) -> bool:
    path = request.url.path
    return (
        request.method in {"POST", "PATCH", "DELETE"}
        and "/wiql" not in path
        and "workitemsbatch" not in path
    )


class CancelAfter:
    """An `on_event` that sets `stop` when the `after`-th result comes in, and notes how many
    write answers the client had received by then."""

    def __init__(self, board: Board, after: int) -> None:
        self.board = board
        self.after = after
        self.stop = asyncio.Event()
        self.results: list[ItemResult] = []
        self.answered_at_stop = -1

    def __call__(self, result: ItemResult) -> None:
        self.results.append(result)
        if len(self.results) == self.after:
            self.stop.set()
            self.answered_at_stop = len(self.board.responses)

    def writes_answered_after_stop(self) -> int:
        return sum(1 for r in self.board.responses[self.answered_at_stop :] if is_write(r.request))


async def titles(board: Board) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, [item_id] in (await items_by_key(board)).items():
        live = await board.client.get_item(item_id)
        assert live is not None
        found[key] = str(live.title)
    return found


def tree(levels: int, width: int) -> list[str]:
    """Keys of `levels` levels of `width` items, each under the one of its column above it:
    every level is a wave of creates (one `$batch`) that waits for the level above."""
    return [f"l{level}-{column}" for level in range(levels) for column in range(width)]


def parent_of(key: str) -> str | None:
    level, column = key[1:].split("-")
    return f"l{int(level) - 1}-{column}" if int(level) > 0 else None


async def test_a_cancel_mid_apply_lets_only_the_batches_in_flight_land_and_reports_each() -> None:
    board = open_board(LATENCY)
    keys = tree(5, 8)
    want = desired(*(item(k, parent=parent_of(k)) for k in keys))
    parallelism = 3
    cancel = CancelAfter(board, after=1)

    _plan, result = await plan_and_apply(
        board, want, parallelism=parallelism, on_event=cancel, cancel=cancel.stop
    )

    # After the stop, only the requests already sent were answered (a `$batch` counts as one).
    assert cancel.writes_answered_after_stop() <= parallelism
    # every write sent was answered: none abandoned with an unknown outcome
    assert len([r for r in board.responses if is_write(r.request)]) == len(board.writes())
    # the board and the result agree: every create that landed is reported as applied
    landed = set(await items_by_key(board))
    applied = {r.key for r in result.items if r.outcome == "applied"}
    assert applied == landed
    assert keys[:8] == sorted(applied)[:8]  # the first level, before the stop
    assert len(applied) < len(keys)  # the stop kept the deeper levels from being written
    rest = [r for r in result.items if r.outcome != "applied"]
    assert {(r.outcome, r.message) for r in rest} == {("skipped", INTERRUPTED)}
    assert sorted(r.key for r in cancel.results) == sorted(keys)  # each reported once


async def test_an_item_created_before_the_stop_is_reported_with_its_id() -> None:
    """A new item with a state other than the initial one is created, then moved: a stop between
    the two leaves it on the board, and the result says so (with its id), not 'not written'."""
    board = open_board(LATENCY)
    keys = [f"a{n}" for n in range(6)]
    want = desired(*(item(k, State="Active") for k in keys))
    plan = await plan_for(board, want)
    stop = asyncio.Event()

    async def stop_at_first_write_answer(response: httpx.Response) -> None:
        if is_write(response.request):
            stop.set()  # the creates landed; their state moves are still to be sent

    board.client.transport.http.event_hooks["response"].append(stop_at_first_write_answer)
    result = await apply_plan(board.client, plan, parallelism=2, cancel=stop)

    assert len(board.writes()) == 1  # one $batch created them all; nothing after the stop
    on_board = {k: ids[0] for k, ids in (await items_by_key(board)).items()}
    assert set(on_board) == set(keys)
    by_key = {r.key: r for r in result.items}
    for key, item_id in on_board.items():
        live = await board.client.get_item(item_id)
        assert live is not None
        assert live.fields["System.State"] == "New"
        assert (by_key[key].outcome, by_key[key].id) == ("failed", item_id)
        assert by_key[key].message == (
            f"created as #{item_id}, then interrupted before its other changes"
        )


async def test_a_removal_is_not_started_after_the_stop() -> None:
    board = open_board()
    await plan_and_apply(board, desired(item("keep"), item("gone1"), item("gone2")))
    plan = await plan_for(board, desired(item("keep", "Kept v2")), prune=True, removal="delete")
    stop = asyncio.Event()
    sent_at_stop: list[int] = []

    def on_event(result: ItemResult) -> None:
        if not stop.is_set():  # right after the first action (the update), before the removals
            stop.set()
            sent_at_stop.append(len(board.requests))

    result = await apply_plan(board.client, plan, on_event=on_event, cancel=stop)

    assert board.requests[sent_at_stop[0] :] == []  # not even the read before a delete
    by_key = {r.key: r for r in result.items}
    assert by_key["keep"].outcome == "applied"
    assert {(by_key[k].outcome, by_key[k].message) for k in ("gone1", "gone2")} == {
        ("skipped", INTERRUPTED)
    }
    assert set(await items_by_key(board)) == {"keep", "gone1", "gone2"}


async def test_cancelling_the_task_aborts_at_once_and_reports_every_action() -> None:
    board = open_board()
    keys = [f"k{n}" for n in range(10)]
    await plan_and_apply(board, desired(*(item(k, f"{k} v1") for k in keys)))
    plan = await plan_for(board, desired(*(item(k, f"{k} v2") for k in keys)))
    board.set_options(EmulatorOptions(latency_ms=200))
    seen: list[ItemResult] = []
    sent = asyncio.Event()

    async def note_write(request: httpx.Request) -> None:
        if is_write(request):
            sent.set()

    board.client.transport.http.event_hooks["request"].append(note_write)
    task = asyncio.ensure_future(
        apply_plan(board.client, plan, parallelism=1, on_event=seen.append)
    )
    await sent.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # nothing waited for the write in flight (it would have been reported applied)
    assert sorted(r.key for r in seen) == keys
    assert {r.outcome for r in seen} == {"failed"}
    assert all("may or may not have been written" in str(r.message) for r in seen)
    # the $batch in flight went with it (it would have landed before this read, sent later)
    assert set((await titles(board)).values()) == {f"{k} v1" for k in keys}


# -- end to end: signals to `witsync apply` against `witsync serve` --------------------------------

PROJECT = "Fabrikam"  # a project of the emulator_server fixture
SCOPE = "cancel"
LEVELS, WIDTH = 10, 6
PARALLELISM = 2


def backlog(levels: int) -> str:
    """`levels` levels of the tree: each level is one wave of creates (one `$batch`)."""
    lines = ["apiVersion: witsync/v1", "items:"]
    for key in tree(levels, WIDTH):
        lines += [f"  - key: {key}", "    type: User Story", f"    title: Story {key}"]
        parent = parent_of(key)
        if parent is not None:
            lines.append(f"    parent: {parent}")
    return "\n".join(lines) + "\n"


class Apply:
    """`witsync apply` in `repo`, its stderr read line by line as it comes."""

    def __init__(self, repo: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WITSYNC_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "witsync", "apply", "--yes", *args],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.err: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        with self.process.stderr:
            for line in self.process.stderr:
                self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, prefix: str, count: int = 1) -> None:
        """Until `count` stderr lines starting with `prefix` have come."""
        seen = 0
        while seen < count:
            line = self.lines.get(timeout=60)
            assert line is not None, f"witsync ended before {prefix!r}:\n{''.join(self.err)}"
            self.err.append(line)
            seen += line.startswith(prefix)

    def finish(self) -> tuple[int, str]:
        assert self.process.stdout is not None
        with self.process.stdout:
            out = self.process.stdout.read()
        code = self.process.wait(timeout=60)
        while (line := self.lines.get(timeout=60)) is not None:
            self.err.append(line)
        return code, out


def changed_after(item_fields: dict[str, object], moment: float) -> bool:
    stamp = str(item_fields["System.ChangedDate"]).replace("Z", "+00:00")
    return datetime.fromisoformat(stamp).timestamp() > moment


async def board_items(url: str) -> dict[str, dict[str, object]]:
    """Fields of every item of the scope on the served board, by key."""
    async with Client(httpx.AsyncClient(timeout=30), url, PROJECT) as client:
        ids = await client.query_ids(
            "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"
        )
        found: dict[str, dict[str, object]] = {}
        for live in await client.get_items(ids):
            for key in marker_keys(live, SCOPE):
                assert key not in found, f"two items for {key}"
                found[key] = dict(live.fields)
        return found


@pytest.mark.slow
@pytest.mark.parametrize("emulator_server", [["--latency-ms", "40"]], indirect=True)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_apply_stops_the_writes_and_the_json_lists_what_landed(
    tmp_path: Path, emulator_server: str, sig: signal.Signals
) -> None:
    server = f"{emulator_server}/cancelorg"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "witsync.yaml").write_text(f"org: {server}\nproject: {PROJECT}\nscope: {SCOPE}\n")
    (repo / "backlog.yaml").write_text(backlog(1))
    setup = Apply(repo)
    assert setup.finish()[0] == 0, "".join(setup.err)
    (repo / "backlog.yaml").write_text(backlog(LEVELS))

    run = Apply(repo, "--format", "json", "--parallelism", str(PARALLELISM))
    run.wait_for("applied ", count=3)  # writing, with most of the levels still to go
    run.process.send_signal(sig)
    run.wait_for("witsync: interrupted")
    # From here no write may start: what lands later was in flight when the handler ran.
    stopped_at = time.time()
    code, out = run.finish()

    assert code == 128 + sig, "".join(run.err)
    document = json.loads(out)
    assert document["interrupted"] == sig.name
    outcomes = {i["key"]: (i["outcome"], i["message"]) for i in document["items"]}
    new_keys = set(tree(LEVELS, WIDTH)) - set(tree(1, WIDTH))
    assert set(outcomes) == new_keys
    board = asyncio.run(board_items(server))
    landed = set(board) - set(tree(1, WIDTH))
    applied = {k for k, (outcome, _) in outcomes.items() if outcome == "applied"}
    assert applied == landed  # every write that landed is in the JSON, and only those
    assert applied != new_keys  # stopped before the end
    assert {outcomes[k] for k in set(outcomes) - applied} == {("skipped", INTERRUPTED)}
    late = [k for k, fields in board.items() if changed_after(fields, stopped_at)]
    # each level is one $batch: at most PARALLELISM of them were in flight at the stop
    assert len({key.split("-")[0] for key in late}) <= PARALLELISM, late
    assert any(f"interrupted ({sig.name})" in line for line in run.err)
