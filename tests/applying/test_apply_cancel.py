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


async def test_a_cancel_mid_apply_lets_only_the_writes_in_flight_land_and_reports_each() -> None:
    board = open_board()
    keys = [f"s{n:02d}" for n in range(40)]
    await plan_and_apply(board, desired(*(item(k, f"{k} v1") for k in keys)))
    board.set_options(LATENCY)
    plan = await plan_for(board, desired(*(item(k, f"{k} v2") for k in keys)))
    assert plan.count("update") == 40
    parallelism = 3
    cancel = CancelAfter(board, after=5)
    board.requests.clear()
    board.responses.clear()

    result = await apply_plan(
        board.client, plan, parallelism=parallelism, on_event=cancel, cancel=cancel.stop
    )

    # After the stop, only the writes already sent were answered (the old applier: 35 more).
    assert cancel.writes_answered_after_stop() <= parallelism
    # every write sent was answered: none abandoned with an unknown outcome
    assert len([r for r in board.responses if is_write(r.request)]) == len(board.writes())
    # the board and the result agree: every update that landed is reported as applied
    landed = {k for k, title in (await titles(board)).items() if title.endswith("v2")}
    applied = {r.key for r in result.items if r.outcome == "applied"}
    assert applied == landed
    assert len(applied) == len(board.writes())  # one update, one request: each landed
    rest = [r for r in result.items if r.outcome != "applied"]
    assert len(rest) >= 40 - 5 - 2 * parallelism  # answered before the stop, or in flight
    assert {(r.outcome, r.message) for r in rest} == {("skipped", INTERRUPTED)}
    assert sorted(r.key for r in cancel.results) == keys  # each reported once, as it came


async def test_an_item_created_before_the_stop_is_reported_with_its_id() -> None:
    """A new item with a state other than the initial one is created, then moved: a stop between
    the two leaves it on the board, and the result says so (with its id), not 'not written'."""
    board = open_board(LATENCY)
    keys = [f"a{n}" for n in range(6)]
    want = desired(*(item(k, State="Active") for k in keys))
    cancel = CancelAfter(board, after=1)

    _plan, result = await plan_and_apply(
        board, want, parallelism=2, on_event=cancel, cancel=cancel.stop
    )

    assert cancel.writes_answered_after_stop() <= 2
    on_board = {k: ids[0] for k, ids in (await items_by_key(board)).items()}
    assert set(on_board) == set(keys)  # one $batch created them all before the stop
    by_key = {r.key: r for r in result.items}
    assert {k: by_key[k].id for k in keys} == on_board
    moved = set()
    for key, item_id in on_board.items():
        live = await board.client.get_item(item_id)
        assert live is not None
        if live.fields["System.State"] == "Active":
            moved.add(key)
    assert {k for k in keys if by_key[k].outcome == "applied"} == moved
    for key in set(keys) - moved:
        assert by_key[key].outcome == "failed"
        assert by_key[key].message == (
            f"created as #{on_board[key]}, then interrupted before its other changes"
        )
    assert moved != set(keys)


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


# -- end to end: signals to `witsync apply` against `witsync serve` --------------------------------

PROJECT = "Fabrikam"  # a project of the emulator_server fixture
SCOPE = "cancel"
ITEMS = 60
PARALLELISM = 2


def backlog(version: int) -> str:
    lines = ["apiVersion: witsync/v1", "items:"]
    for n in range(ITEMS):
        lines += [f"  - key: s{n:02d}", "    type: User Story", f"    title: Story {n} v{version}"]
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
    (repo / "backlog.yaml").write_text(backlog(2))

    run = Apply(repo, "--format", "json", "--parallelism", str(PARALLELISM))
    run.wait_for("applied ", count=3)  # writing, with most of the 30 updates still to go
    run.process.send_signal(sig)
    run.wait_for("witsync: interrupted")
    # From here no write may start: what lands later was in flight when the handler ran.
    stopped_at = time.time()
    code, out = run.finish()

    assert code == 128 + sig, "".join(run.err)
    document = json.loads(out)
    assert document["interrupted"] == sig.name
    outcomes = {i["key"]: (i["outcome"], i["message"]) for i in document["items"]}
    assert len(outcomes) == ITEMS
    board = asyncio.run(board_items(server))
    assert set(board) == set(outcomes)
    landed = {k for k, fields in board.items() if str(fields["System.Title"]).endswith("v2")}
    applied = {k for k, (outcome, _) in outcomes.items() if outcome == "applied"}
    assert applied == landed  # every write that landed is in the JSON, and only those
    assert {outcomes[k] for k in set(outcomes) - applied} == {("skipped", INTERRUPTED)}
    late = [k for k, fields in board.items() if changed_after(fields, stopped_at)]
    assert len(late) <= PARALLELISM, late  # the old applier: every update still planned
    assert any(f"interrupted ({sig.name})" in line for line in run.err)
