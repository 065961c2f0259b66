"""Emulator storage: survives restarts; concurrent writers with the same `test /rev` conflict."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import httpx
import pytest

from witsync.emulator import asgi_transport, create_app
from witsync.emulator.store import Store

V = "api-version=7.1"
PATCH = {"Content-Type": "application/json-patch+json"}


def guarded_title(title: str) -> str:
    return json.dumps(
        [
            {"op": "test", "path": "/rev", "value": 1},
            {"op": "replace", "path": "/fields/System.Title", "value": title},
        ]
    )


async def _create(http: httpx.AsyncClient, title: str = "first") -> None:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": title}]
    answer = await http.post(
        f"/o/Fabrikam/_apis/wit/workitems/$Task?{V}", content=json.dumps(ops), headers=PATCH
    )
    assert answer.status_code == 200


async def test_state_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "board.sqlite"
    app = create_app(db, projects=["Fabrikam"])
    async with httpx.AsyncClient(transport=asgi_transport(app), base_url="http://e") as http:
        await _create(http)
        await http.post(
            f"/o/Fabrikam/_apis/wit/classificationnodes/areas?{V}", json={"name": "Web"}
        )
    app.state.emulator.store.close()
    again = create_app(db)  # no projects given: they are in the file already
    async with httpx.AsyncClient(transport=asgi_transport(again), base_url="http://e") as http:
        item = (await http.get(f"/o/_apis/wit/workitems/1?{V}")).json()
        assert item["fields"]["System.Title"] == "first"
        await _create(http, "second")
        ops = [{"op": "add", "path": "/fields/System.AreaPath", "value": "fabrikam\\web"}]
        moved = await http.patch(
            f"/o/_apis/wit/workitems/2?{V}", content=json.dumps(ops), headers=PATCH
        )
    assert moved.json()["id"] == 2
    assert moved.json()["fields"]["System.AreaPath"] == "Fabrikam\\Web"


async def test_concurrent_patches_in_one_process_one_wins(emulator_http: httpx.AsyncClient) -> None:
    await _create(emulator_http)
    answers = await asyncio.gather(
        *[
            emulator_http.patch(
                f"/o/_apis/wit/workitems/1?{V}", content=guarded_title(f"t{n}"), headers=PATCH
            )
            for n in range(6)
        ]
    )
    assert sorted(a.status_code for a in answers) == [200] + [412] * 5


def test_two_processes_on_one_file_one_writer_wins(tmp_path: Path) -> None:
    """Two apps (as two `witsync serve` would) on one SQLite file, writing at the same moment."""
    db = tmp_path / "shared.sqlite"
    seed = create_app(db, projects=["Fabrikam"])

    async def first() -> None:
        async with httpx.AsyncClient(transport=asgi_transport(seed), base_url="http://e") as http:
            await _create(http)

    asyncio.run(first())
    apps = [create_app(db, projects=["Fabrikam"]) for _ in range(6)]
    barrier = threading.Barrier(len(apps))
    statuses: list[int] = []

    def writer(n: int) -> None:
        async def go() -> int:
            async with httpx.AsyncClient(
                transport=asgi_transport(apps[n]), base_url="http://e"
            ) as http:
                barrier.wait()
                answer = await http.patch(
                    f"/o/_apis/wit/workitems/1?{V}", content=guarded_title(f"w{n}"), headers=PATCH
                )
                return answer.status_code

        statuses.append(asyncio.run(go()))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(len(apps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * 5
    store = Store(db)
    item = store.get("o", 1)
    assert item is not None
    assert item.rev == 2
    assert [rev for rev, _, _ in store.revisions("o", 1)] == [1, 2]


def test_schema_is_the_shared_contract(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    columns = [row[1] for row in store.conn.execute("PRAGMA table_info(work_items)")]
    assert columns == ["org", "id", "project", "rev", "deleted", "fields", "relations"]
    links = [row[1] for row in store.conn.execute("PRAGMA table_info(links)")]
    assert links == ["org", "source", "target", "rel"]
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("emulator_server", [[]], indirect=True)
def test_concurrent_writers_over_a_socket(emulator_server: str) -> None:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": "x"}]
    created = httpx.post(
        f"{emulator_server}/o/Fabrikam/_apis/wit/workitems/$Task?{V}",
        content=json.dumps(ops),
        headers=PATCH,
    )
    assert created.status_code == 200

    async def race() -> list[int]:
        async with httpx.AsyncClient(base_url=emulator_server) as http:
            answers = await asyncio.gather(
                *[
                    http.patch(
                        f"/o/_apis/wit/workitems/1?{V}",
                        content=guarded_title(f"s{n}"),
                        headers=PATCH,
                    )
                    for n in range(5)
                ]
            )
        return sorted(a.status_code for a in answers)

    assert asyncio.run(race()) == [200, 412, 412, 412, 412]
