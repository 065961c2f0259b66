"""People at work on a board, through its REST API: what `export` and `pull` start from.

A `People` writes work items as a given person (the Basic auth user name the emulator takes as
the caller), over any httpx client: the in-process transport or a real `witsync serve` socket.
Nothing here goes through witsync's own client, so the board is shaped by other hands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

CAROL = "Carol Lopez <carol@fabrikam.com>"
DAN = "Dan Park <dan.park@fabrikam.com>"
PIPELINE = "Fabrikam Build Service <build@fabrikam.com>"

PARENT = "System.LinkTypes.Hierarchy-Reverse"
RELATED = "System.LinkTypes.Related"
PREDECESSOR = "System.LinkTypes.Dependency-Reverse"
SUCCESSOR = "System.LinkTypes.Dependency-Forward"


class People:
    """Writes to project `project` of the organization at `org` (`http://host:port/org`)."""

    def __init__(self, http: httpx.AsyncClient, org: str, project: str) -> None:
        self.http = http
        self.org = org.rstrip("/")
        self.project = project

    def _url(self, *parts: str, project: bool = True) -> str:
        base = f"{self.org}/{self.project}" if project else self.org
        return "/".join([base, "_apis", "wit", *parts])

    async def _send(
        self, method: str, url: str, who: str, body: Any = None, content_type: str | None = None
    ) -> Any:
        headers = {"Content-Type": content_type} if content_type else {}
        answer = await self.http.request(
            method,
            url,
            params={"api-version": "7.1"},
            json=body,
            headers=headers,
            auth=httpx.BasicAuth(who, ""),
        )
        assert answer.status_code in (200, 201), f"{method} {url}: {answer.text}"
        return answer.json() if answer.content else None

    def link(self, rel: str, target: int) -> dict[str, Any]:
        url = f"{self.org}/_apis/wit/workItems/{target}"
        return {"op": "add", "path": "/relations/-", "value": {"rel": rel, "url": url}}

    async def create(
        self,
        type: str,
        fields: Mapping[str, Any],
        *,
        who: str = CAROL,
        parent: int | None = None,
        links: Iterable[tuple[str, int]] = (),
    ) -> int:
        ops: list[dict[str, Any]] = [
            {"op": "add", "path": f"/fields/{ref}", "value": value} for ref, value in fields.items()
        ]
        if parent is not None:
            ops.append(self.link(PARENT, parent))
        ops.extend(self.link(rel, target) for rel, target in links)
        body = await self._send(
            "POST", self._url("workitems", f"${type}"), who, ops, "application/json-patch+json"
        )
        return int(body["id"])

    async def update(
        self,
        id: int,
        fields: Mapping[str, Any] = {},
        *,
        who: str = CAROL,
        links: Iterable[tuple[str, int]] = (),
        remove_relations: Iterable[int] = (),
    ) -> None:
        ops: list[dict[str, Any]] = []
        for ref, value in fields.items():
            if value is None:
                ops.append({"op": "remove", "path": f"/fields/{ref}"})
            else:
                ops.append({"op": "add", "path": f"/fields/{ref}", "value": value})
        ops.extend(
            {"op": "remove", "path": f"/relations/{index}"}
            for index in sorted(remove_relations, reverse=True)
        )
        ops.extend(self.link(rel, target) for rel, target in links)
        await self._send(
            "PATCH",
            self._url("workitems", str(id), project=False),
            who,
            ops,
            "application/json-patch+json",
        )

    async def get(self, id: int) -> dict[str, Any]:
        body = await self._send(
            "GET", self._url("workitems", str(id), project=False) + "?$expand=relations", CAROL
        )
        assert isinstance(body, dict)
        return body

    async def delete(self, id: int, *, who: str = CAROL) -> None:
        await self._send("DELETE", self._url("workitems", str(id), project=False), who)

    async def add_node(self, group: str, path: str, *, who: str = CAROL) -> None:
        """Add area (group "Areas") or iteration ("Iterations") `path` below the project root,
        its parents first: `Web\\Checkout` adds Web, then Checkout under it."""
        parts = [part for part in path.split("\\") if part]
        for depth in range(len(parts)):
            where = "/".join(["classificationnodes", group, *parts[:depth]])
            answer = await self.http.post(
                self._url(*where.split("/")),
                params={"api-version": "7.1"},
                json={"name": parts[depth]},
                auth=httpx.BasicAuth(who, ""),
            )
            assert answer.status_code in (200, 201) or "VS402371" in answer.text, answer.text


async def seed_team_board(org: str, project: str) -> dict[str, int]:
    """A team's board, as people filled it: returns the ids by a short name."""
    async with httpx.AsyncClient(timeout=30) as http:
        people = People(http, org, project)
        for area in ("Web\\Checkout", "Mobile", "Ops"):
            await people.add_node("Areas", area)
        ids: dict[str, int] = {}
        ids["epic"] = await people.create(
            "Epic",
            {
                "System.Title": "Customers can sign in",
                "System.Description": "<p>Every customer signs in with the account they "
                "<strong>already</strong> have.</p><ul><li>Microsoft first</li>"
                "<li>then GitHub</li></ul>",
                "System.Tags": "identity; Q3: planning; c#",
                "System.AreaPath": "Fabrikam\\Web",
                "Microsoft.VSTS.Common.Priority": 1,
            },
        )
        ids["feature"] = await people.create(
            "Feature",
            {
                "System.Title": "Sign in with Microsoft",
                "System.Description": "<div>Typed in the web form</div><div><br></div>",
                "System.AssignedTo": DAN,
                "System.AreaPath": "Fabrikam\\Web",
            },
            who=DAN,
            parent=ids["epic"],
        )
        await people.update(ids["feature"], {"System.State": "Active"}, who=DAN)
        ids["story"] = await people.create(
            "User Story",
            {
                "System.Title": "Sign-in button on the home page",
                "Microsoft.VSTS.Scheduling.StoryPoints": 3,
                "System.IterationPath": "Fabrikam\\Sprint 1",
                "System.Tags": 'ux; a/b (x); "quoted"',
                "System.AreaPath": "Fabrikam\\Web",
            },
            parent=ids["feature"],
        )
        ids["task"] = await people.create(
            "Task",
            {
                "System.Title": "Build the button",
                "Microsoft.VSTS.Scheduling.RemainingWork": 4,
                "Microsoft.VSTS.Scheduling.OriginalEstimate": 6.5,
                "System.AssignedTo": "carol@fabrikam.com",
                "System.IterationPath": "Fabrikam\\Sprint 1",
                "System.AreaPath": "Fabrikam\\Web",
            },
            parent=ids["story"],
        )
        await people.update(ids["task"], {"System.State": "Active"})
        ids["closed"] = await people.create(
            "Task",
            {
                "System.Title": "Spike: which library?",
                "Microsoft.VSTS.Scheduling.CompletedWork": 2,
                "System.AreaPath": "Fabrikam\\Web",
            },
            parent=ids["story"],
        )
        await people.update(ids["closed"], {"System.State": "Closed"})
        ids["bug"] = await people.create(
            "Bug",
            {
                "System.Title": "Sign-in redirects forever when cookies are blocked",
                "System.Description": "no HTML here, just text",
                "System.AreaPath": "Fabrikam\\Web\\Checkout",
                "Microsoft.VSTS.Common.Priority": 1,
                "System.Tags": "regression",
            },
            who=DAN,
            links=[(PREDECESSOR, ids["task"])],
        )
        ids["billing"] = await people.create(
            "Epic",
            {"System.Title": "Billing without paper", "System.AreaPath": "Fabrikam\\Mobile"},
            links=[(RELATED, ids["epic"])],
        )
        ids["ops"] = await people.create(
            "Task",
            {"System.Title": "Rotate the certificates", "System.AreaPath": "Fabrikam\\Ops"},
            links=[(RELATED, ids["story"])],
        )
        ids["same-title"] = await people.create(
            "Task",
            {"System.Title": "Build the button", "System.AreaPath": "Fabrikam\\Web"},
            parent=ids["story"],
        )
        return ids
