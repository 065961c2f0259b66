"""The emulator against Microsoft's OpenAPI document for Work Item Tracking 7.1 (issue 14).

For every documented operation the emulator routes (its own route table decides, so the count
cannot drift from the code), every recorded example is replayed against a fresh emulator (see
openapi_replay: what it makes first, how a setup is added) and the answer is checked: the
example's status code; the response schema with `$ref`s resolved, except where the example itself
breaks the schema (the examples were captured from the service: they win); and the example's
shapes (types, identities as objects, `url` and `_links` where it has them).

Where the emulator deliberately answers differently from an example, DIFFERS names the example,
the problem (a pattern) and why: only that problem is excused, everything else in the answer is
still checked, and an entry whose problem no longer occurs fails the test (so it is removed the
day the emulator matches the example).
The README's list of operations is generated here too (WITSYNC_UPDATE_GOLDEN=1 rewrites it).
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from openapi_replay import PROJECTS, Replay, prepare
from openapi_support import (
    Example,
    examples,
    is_served,
    operations,
    operations_list,
    problems,
    sample_path,
)

from witsync.emulator import asgi_transport, create_app

TESTS = Path(__file__).resolve().parents[1]
README = TESTS.parent / "README.md"
BEGIN, END = "<!-- operations:begin -->", "<!-- operations:end -->"
for _module in sorted(TESTS.glob("openapi_setups*.py")):
    importlib.import_module(_module.stem)

APP = create_app(projects=PROJECTS)
SERVED = [op for op in operations() if is_served(APP, op)]

OLD_IDS = (
    "recorded at api-version 1.0/3.0-preview with ids as strings; the 7.1 schema "
    "(WorkItemDeleteReference.id: integer), the later restore example and ado-api-facts §1 "
    '(`"id":72`) have numbers, which the official clients are generated to read'
)
OLD_IDENTITIES = (
    'recorded in 2017 before api-version 5.0, which wrote identities as "Name <email>" strings '
    "(ado-api-facts §4); 7.1 writes IdentityRef objects, as every later example does"
)
DIFFERS: dict[str, dict[str, str]] = {
    "workItems/DELETE__wit_workitems_id_.json": {
        r"status: 200 where the example has 204": "recorded at api-version 4.0; the 7.1 document "
        "answers a delete to the recycle bin 200 with the WorkItemDelete (ado-api-facts §1), "
        "as the emulator does; only `destroy=true` answers 204",
    },
    "recycleBin/GET__wit_recyclebin.json": {r"shape: /\d+/id: number where .* string": OLD_IDS},
    "recycleBin/GET__wit_recyclebin__ids_.json": {
        r"shape: /\d+/id: number where .* string": OLD_IDS
    },
    "recycleBin/GET__wit_recyclebin__id_.json": {r"shape: /id: number where .* string": OLD_IDS},
    "recycleBin/PATCH__wit_recyclebin_restore.json": {
        r"shape: /resource/fields/System\.\w+By: object where .* string": OLD_IDENTITIES,
    },
}


def _cases() -> list[object]:
    """Every example of 7.1's served operations, and those 7.2 (a preview) adds or changes."""
    cases = [pytest.param(example, id=example.file) for op in SERVED for example in examples(op)]
    known = {(c.values[0].file, json.dumps(c.values[0].data)) for c in cases}  # type: ignore[attr-defined]
    for op in operations("7.2"):
        if not is_served(APP, op):
            continue
        for example in examples(op, "7.2"):
            if (example.file, json.dumps(example.data)) not in known:
                cases.append(pytest.param(example, id=f"7.2/{example.file}"))
    return cases


def excused(file: str, found: list[str]) -> list[str]:
    """`found` without the problems DIFFERS excuses for this example, plus one for every excuse
    that excused nothing (the emulator matches the example now: remove the entry)."""
    left = list(found)
    for pattern, reason in DIFFERS.get(file, {}).items():
        kept = [p for p in left if not re.fullmatch(pattern, p)]
        if len(kept) == len(left):
            left.append(f"DIFFERS[{file!r}] excuses {pattern!r} ({reason}), which no longer occurs")
        left = kept
    return left


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(projects=PROJECTS)
    async with httpx.AsyncClient(
        transport=asgi_transport(app, owns_app=True), base_url="http://emulator"
    ) as client:
        yield client


@pytest.mark.parametrize("example", _cases())
async def test_recorded_example(http: httpx.AsyncClient, example: Example) -> None:
    replay = Replay(http, example)
    await prepare(replay)
    answer = await replay.send()
    found = []
    if answer.status_code != example.status:
        found.append(f"status: {answer.status_code} where the example has {example.status}")
    elif example.body is not None and "json" in answer.headers.get("content-type", ""):
        found += problems(example, answer.json())
    left = excused(example.file, found)
    assert not left, f"{example.operation.label} ({example.file}):\n" + "\n".join(
        [*left, f"answer: {answer.text[:1500]}"]
    )


def test_readme_lists_the_operations_served() -> None:
    """The README's list is generated from the document and the route table: after adding a
    route, `WITSYNC_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q
    tests/emulator/test_openapi_conformance.py -k readme` writes it anew."""
    text = README.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    old, _, tail = rest.partition(END)
    assert rest, f"README.md has no {BEGIN} ... {END} block"
    new = "\n" + operations_list(APP) + "\n"
    if os.environ.get("WITSYNC_UPDATE_GOLDEN") == "1":
        README.write_text(head + BEGIN + new + END + tail, encoding="utf-8")
        return
    assert old == new, (
        "README.md's list of served operations is stale; rewrite it with "
        "WITSYNC_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q "
        "tests/emulator/test_openapi_conformance.py -k readme"
    )


NO_ROUTE = re.compile(r"No HTTP resource was found|does not support http method")


async def test_served_is_what_the_emulator_answers(http: httpx.AsyncClient) -> None:
    """The count cannot lie: an operation counted as served gets past the routing (whatever its
    handler then says about made-up ids), and one not counted gets the framework's "no route"."""
    wrong = []
    for op in operations():
        if op.method == "HEAD":
            continue  # no body to tell "no route" from "no such query"
        answer = await http.request(
            op.method,
            sample_path(op).replace("/org/", "/fabrikam/", 1),
            params={"api-version": "7.1"},
            content=b"{}",
            headers={"Content-Type": "application/json"},
        )
        unrouted = answer.status_code in {404, 405} and bool(NO_ROUTE.search(answer.text))
        if unrouted == (op in SERVED):
            counted = "served" if op in SERVED else "not served"
            wrong.append(f"{op.label}: counted {counted}, answered {answer.text[:120]}")
    assert not wrong, "\n".join(wrong)
