"""The round-trip property of `witsync export`, on random boards people filled.

Each example seeds a fresh local board through the REST API of the in-process emulator, as
other users: random types, titles with odd characters, HTML and plain descriptions, identities,
tags, areas and iterations, states, a random forest of parents, related and dependency links.
Then: export; the plan shows only adoptions (the scope tag and the key marker), with no field
or link change; apply; the plan is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

import httpx
from board_support import CAROL, DAN, PREDECESSOR, RELATED, People
from cli_support import run_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from witsync.emulator import asgi_transport, create_app

PROJECT = "Fabrikam"
ORG = "http://local-board/local"
TYPES = {
    "Epic": ["New", "Active", "Resolved", "Closed", "Removed"],
    "Feature": ["New", "Active", "Closed"],
    "User Story": ["New", "Active", "Resolved", "Closed"],
    "Task": ["New", "Active", "Closed"],
    "Bug": ["New", "Active", "Resolved", "Closed"],
}
WORK = {"Task", "Bug"}
POINTS = {"User Story", "Bug"}

TITLES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).filter(lambda title: title.strip() == title and title.strip())
DESCRIPTIONS = st.sampled_from(
    [
        None,
        "<p>Plain <strong>bold</strong> and <em>em</em></p><ul><li>one</li><li>two</li></ul>",
        "<div>Typed in the web form</div><div><br></div><div>second line</div>",
        "just text, no element",
        "<h2>Goal</h2><p>1. not a list &amp; <code>x &lt; 2</code></p>",
        "<p>a<br>b</p><blockquote><p>quote</p></blockquote>",
        "<table><tr><td>cell</td></tr></table>",
        '<p style="color: red" onclick="x()">styled</p><script>bad()</script>',
        "Some *markdown* typed into the API\n\n- as text",
    ]
)
TAGS = st.lists(
    st.sampled_from(["ux", "Q3: planning", "c#", "a/b (x)", '"quoted"', "ünï", "[x]", "#1"]),
    max_size=3,
    unique_by=str.casefold,
)
PEOPLE = st.sampled_from([None, CAROL, DAN, "erin@fabrikam.com"])
AREAS = ["Fabrikam", "Fabrikam\\Web", "Fabrikam\\Web\\Checkout", "Fabrikam\\Mobile"]
ITERATIONS = ["Fabrikam", "Fabrikam\\Sprint 1", "Fabrikam\\Sprint 2"]


@st.composite
def boards(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=1, max_value=8))
    items = []
    for n in range(count):
        type = draw(st.sampled_from(sorted(TYPES)))
        fields: dict[str, Any] = {"System.Title": draw(TITLES)}
        description = draw(DESCRIPTIONS)
        if description is not None:
            fields["System.Description"] = description
        tags = draw(TAGS)
        if tags:
            fields["System.Tags"] = "; ".join(tags)
        person = draw(PEOPLE)
        if person is not None:
            fields["System.AssignedTo"] = person
        fields["System.AreaPath"] = draw(st.sampled_from(AREAS))
        fields["System.IterationPath"] = draw(st.sampled_from(ITERATIONS))
        fields["Microsoft.VSTS.Common.Priority"] = draw(st.integers(1, 4))
        if type in WORK and draw(st.booleans()):
            fields["Microsoft.VSTS.Scheduling.RemainingWork"] = draw(st.sampled_from([0, 1.5, 8]))
            fields["Microsoft.VSTS.Scheduling.OriginalEstimate"] = draw(st.sampled_from([2, 13]))
        if type in POINTS and draw(st.booleans()):
            fields["Microsoft.VSTS.Scheduling.StoryPoints"] = draw(st.sampled_from([1, 2.5, 8]))
        items.append(
            {
                "type": type,
                "fields": fields,
                "state": draw(st.sampled_from(TYPES[type])),
                "parent": draw(st.none() | st.integers(0, n - 1)) if n else None,
                "who": draw(st.sampled_from([CAROL, DAN])),
                "links": draw(
                    st.lists(
                        st.tuples(st.sampled_from([RELATED, PREDECESSOR]), st.integers(0, n - 1)),
                        max_size=2,
                        unique_by=lambda link: link[1],
                    )
                )
                if n
                else [],
            }
        )
    return items


async def seed(db: Path, board: list[dict[str, Any]]) -> list[int]:
    app = create_app(db, projects=[PROJECT])
    async with httpx.AsyncClient(transport=asgi_transport(app, owns_app=True)) as http:
        people = People(http, ORG, PROJECT)
        for area in ("Web\\Checkout", "Mobile"):
            await people.add_node("Areas", area)
        ids: list[int] = []
        for item in board:
            parent = ids[item["parent"]] if item["parent"] is not None else None
            links = [(rel, ids[target]) for rel, target in item["links"]]
            id = await people.create(
                item["type"], item["fields"], who=item["who"], parent=parent, links=links
            )
            if item["state"] != "New":
                await people.update(id, {"System.State": item["state"]}, who=item["who"])
            ids.append(id)
        return ids


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(board=boards(), split=st.sampled_from(["item", "area"]))
def test_export_then_plan_only_adopts_and_apply_leaves_nothing(
    board: list[dict[str, Any]], split: str
) -> None:
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(Path(folder)):
        ids = asyncio.run(seed(Path(folder) / ".witsync" / "board.sqlite", board))
        code, _ = run_main(
            "export", "--project", PROJECT, "--scope", "team", "--out", "out", "--split", split
        )
        assert code == 0
        code, out = run_main("plan", "out", "--format", "json")
        assert code == 0
        plan = json.loads(out)
        adopted = sorted(action["id"] for action in plan["actions"])
        assert adopted == sorted(ids)
        for action in plan["actions"]:
            assert action["action"] == "adopt", action
            assert action["links"] == [], action
            (change,) = action["changes"]
            assert change["field"] == "System.Tags", action
            before = set(filter(None, (change["before"] or "").split("; ")))
            assert set(change["after"].split("; ")) == before | {"witsync:team"}, action
        assert [w for w in plan["warnings"] if w["severity"] == "error"] == []
        code, _ = run_main("apply", "out", "--yes")
        assert code == 0
        code, out = run_main("plan", "out", "--detailed-exitcode")
        assert code == 0, out
