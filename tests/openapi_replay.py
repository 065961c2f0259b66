"""Replays one recorded example of Microsoft's OpenAPI document against a fresh emulator: makes
what the example needs (work items, revisions, deleted items), adapts ids, names and URLs, sends
the request and returns the answer.

**Adding a setup for an example** (OPS-A, OPS-B, PROCESS: your operations are replayed as soon as
the emulator routes them). The generic setup makes the work items an example names (path `id`,
`workItemId`, `ids=`, body `ids`, relation URLs), brings the item to the revision the example's
`test /rev` expects, and deletes items for recycle-bin operations. When an example needs more
(a comment, a tag, a node, a saved query...), write in tests/openapi_setups_<area>.py::

    from openapi_replay import Replay, setup

    @setup("comments/GET__wit_workitems__issueId__comments__commentId_1.json")
    async def one_comment(replay: Replay) -> None:
        item = replay.item()                       # the example's work item, made already
        answer = await replay.call("POST", f"wit/workItems/{item}/comments", {"text": "hi"},
                                   query={"format": "html"})  # api-version is added
        replay.path["commentId"] = str(answer.json()["id"])   # the request's path parameter

`replay.path`, `replay.query` and `replay.body` are the request about to be sent (already adapted)
and may be changed; `replay.ids` maps the example's work item ids to the emulator's. Every
`tests/openapi_setups*.py` module is imported by the conformance test. A setup is matched by the
example's file (relative to httpExamples/, any case), so one example never gets another's setup.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
from openapi_support import Example

ORG = "fabrikam"
ACTOR = "Jamal Hartnett <fabrikamfiber4@hotmail.com>"
PROJECT = "Fabrikam-Fiber-Git"  # the project of most examples (a Scrum one: Task "To Do")
PROJECTS = (f"{PROJECT}:Scrum", "Fabrikam-Scrum:Scrum", "MyAgilePro1:Agile")
TEAM = f"{PROJECT} Team"
VERSION = "7.1"
NOT_PARAMETERS = {"accept", "body", "account", "organization", "api-version"}

Setup = Callable[["Replay"], Awaitable[None]]
SETUPS: dict[str, Setup] = {}


def setup(*files: str) -> Callable[[Setup], Setup]:
    """Registers `fn` as the extra setup of the examples in `files` (paths under httpExamples/)."""

    def register(fn: Setup) -> Setup:
        for name in files:
            key = name.lower()
            if key in SETUPS:
                raise ValueError(f"two setups for {name}")
            SETUPS[key] = fn
        return fn

    return register


def _basic(user: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:conformance".encode()).decode()


class Replay:
    """One example on its way to the emulator: the adapted request, and what setup made."""

    def __init__(self, http: httpx.AsyncClient, example: Example) -> None:
        self.http = http
        self.example = example
        self.op = example.operation
        # the request's api-version: the example's document (7.2 is a preview, so named)
        self.api_version = VERSION if example.version == "7.1" else f"{example.version}-preview"
        given = {k.lower(): v for k, v in example.parameters.items()}
        from_url = self._from_url()
        self.path: dict[str, str] = {}
        for name in self.op.path_names():
            value = given.get(name.lower(), from_url.get(name))
            if value is None:
                value = self._alias(name, example.parameters)
            if value is not None:
                self.path[name] = str(value)
        self.path["organization"] = ORG
        self.scoped = "project" in self.path or self._required("project")
        if self.scoped and "project" in self.op.path_names():
            self.path["project"] = PROJECT
            if "team" in self.op.path_names():
                self.path["team"] = TEAM
        else:  # an org-level request: neither project nor team in the URL
            self.path.pop("project", None)
            self.path.pop("team", None)
        self.query: dict[str, str] = {}
        url_query = dict(parse_qsl(urlsplit(example.request_url or "").query))
        for p in self.op.parameters:
            if p["in"] != "query" or p["name"].lower() == "api-version":
                continue
            value = given.get(p["name"].lower(), url_query.get(p["name"]))
            if value is not None:
                self.query[p["name"]] = _text(value)
        body = given.get("body")
        self.body: Any = copy.deepcopy(body)
        self.ids: dict[int, int] = {}
        self.headers: dict[str, str] = {}  # extra request headers a setup needs (Content-Range)

    # -- reading the example ----------------------------------------------------------------------

    def _required(self, name: str) -> bool:
        p = self.op.parameter(name)
        return bool(p and p.get("required") and p.get("x-ms-required", True))

    def _from_url(self) -> dict[str, str]:
        """Path parameters read off the recorded URL (some examples list none)."""
        url = self.example.request_url
        if not url:
            return {}
        path = urlsplit(url).path
        for template in (self.op.template, self.op.template.replace("/{project}", "", 1)):
            pattern = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
            pattern = re.sub(
                r"\{([^}]+)\}",
                lambda m: f"(?P<{_group(m[1])}>{'.+' if m[1] == 'path' else '[^/]+'})",
                pattern,
            )
            match = re.fullmatch(pattern, path, re.IGNORECASE)
            if match:
                names = {_group(n): n for n in self.op.path_names()}
                return {names[k]: v for k, v in match.groupdict().items()}
        return {}

    def _alias(self, name: str, given: dict[str, Any]) -> Any:
        """`taskId` or `bug1Id` for `id`, `*path` for `path`: the examples name some parameters
        after what they stand for."""
        wanted = name.lower()
        for key, value in given.items():
            lowered = key.lower().lstrip("*")
            if lowered in NOT_PARAMETERS or self.op.parameter(key):
                continue
            if lowered == wanted or lowered.endswith(wanted) or lowered.startswith(wanted):
                return value
        return None

    def response_item(self, example_id: int) -> dict[str, Any]:
        """The work item with this id somewhere in the example's answer, or {}."""
        found: list[dict[str, Any]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("id") == example_id and isinstance(node.get("fields"), dict):
                    found.append(node)
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.example.body)
        return found[0] if found else {}

    # -- talking to the emulator ------------------------------------------------------------------

    def url(self, path: str, *, scoped: bool | None = None) -> str:
        """`/{org}[/{project}]/_apis/{path}`: project-scoped when the example's request was."""
        scope = self.scoped if scoped is None else scoped
        project = f"/{quote(self.path.get('project', PROJECT))}" if scope else ""
        return f"/{ORG}{project}/_apis/{path}"

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, str] | None = None,
        content_type: str = "application/json",
        scoped: bool | None = True,
    ) -> httpx.Response:
        """A setup request (raises unless it succeeds); `body` as JSON, or bytes as they are."""
        content = body if isinstance(body, bytes) else None if body is None else json.dumps(body)
        response = await self.http.request(
            method,
            self.url(path, scoped=scoped),
            params={**(query or {}), "api-version": VERSION},
            content=content,
            headers={"Content-Type": content_type, "Authorization": _basic(ACTOR)},
        )
        if response.status_code >= 400:
            raise AssertionError(f"setup {method} {path}: {response.status_code} {response.text}")
        return response

    async def create_item(self, type_name: str = "Task", title: str = "Replayed") -> int:
        ops = [{"op": "add", "path": "/fields/System.Title", "value": title}]
        patch = "application/json-patch+json"
        for name in (type_name, "Task"):
            try:
                answer = await self.call("POST", f"wit/workitems/${name}", ops, content_type=patch)
            except AssertionError:
                continue
            return int(answer.json()["id"])
        raise AssertionError(f"setup: cannot create a {type_name} in {PROJECT}")

    async def bump(self, id: int, to_rev: int) -> None:
        """Edits the item until it is at `to_rev`: an assignee, tags, text, then titles, so its
        history has identities, strings and numbers to compare."""
        patch = "application/json-patch+json"
        current = int((await self.call("GET", f"wit/workitems/{id}", scoped=False)).json()["rev"])
        edits: list[list[dict[str, Any]]] = [
            [
                {"op": "add", "path": "/fields/System.AssignedTo", "value": ACTOR},
                {"op": "add", "path": "/fields/System.Tags", "value": "Tag1; Tag2"},
                {"op": "add", "path": "/fields/System.History", "value": "Replay note"},
            ],
            [{"op": "add", "path": "/fields/System.Description", "value": "<div>Text</div>"}],
        ]
        while current < to_rev:
            step = current - 1
            ops = edits[step] if step < len(edits) else []
            ops = [*ops, {"op": "add", "path": "/fields/System.Title", "value": f"Rev {current}"}]
            await self.call("PATCH", f"wit/workitems/{id}", ops, content_type=patch, scoped=False)
            current += 1

    async def ensure_node(self, structure: str, path: str) -> None:
        """Area (`areas`) or iteration (`iterations`) nodes along `Project\\A\\B`, made unless
        there."""
        project, *names = path.split("\\")
        for depth, name in enumerate(names):
            parent = "/".join(quote(n) for n in names[:depth])
            where = f"wit/classificationnodes/{structure}/{parent}".rstrip("/")
            known = await self.http.get(
                self.url(f"{where}/{quote(name)}".replace(f"/{structure}/", f"/{structure}/", 1)),
                params={"api-version": VERSION},
                headers={"Authorization": _basic(ACTOR)},
            )
            if known.status_code == 404:
                await self.call("POST", where, {"name": name}, query=None)
        del project

    def item(self) -> int:
        """The emulator id of the example's (first) work item."""
        return next(iter(self.ids.values()))

    async def link(self, id: int, rel: str, target: int | str) -> None:
        """Adds a relation to work item `id`: to another work item, or to a URL."""
        url = target if isinstance(target, str) else f"http://emulator/{ORG}/_apis/wit/workItems/{target}"
        ops = [{"op": "add", "path": "/relations/-", "value": {"rel": rel, "url": url}}]
        patch = "application/json-patch+json"
        await self.call("PATCH", f"wit/workitems/{id}", ops, content_type=patch, scoped=False)

    async def retest(self) -> None:
        """Points the request's `test /rev` at the item's revision now (after a setup saved)."""
        answer = await self.call("GET", f"wit/workitems/{self.item()}", scoped=False)
        for operation in self.body if isinstance(self.body, list) else []:
            if operation.get("op") == "test" and operation.get("path") == "/rev":
                operation["value"] = answer.json()["rev"]

    async def send(self) -> httpx.Response:
        template = self.op.template
        for name in self.op.path_names():
            if name not in self.path:  # an optional trailing segment (`{path}` under a root node)
                template = template.replace(f"/{{{name}}}", "")
        path = re.sub(r"\{([^}]+)\}", lambda m: quote(self.path[m[1]], safe="/$"), template)
        headers = {"Authorization": _basic(ACTOR)}
        content = None
        if self.body is not None:
            content = json.dumps(self.body)
            kinds = self.op.consumes or ("application/json",)
            headers["Content-Type"] = kinds[0]
        headers.update(self.headers)
        return await self.http.request(
            self.op.method,
            path,
            params={**self.query, "api-version": self.api_version},
            content=content,
            headers=headers,
        )


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


# -- the generic setup ----------------------------------------------------------------------------

WORK_ITEM_PATH = re.compile(r"/(workitems|recyclebin)/\{(id|workItemId)\}", re.IGNORECASE)
NODE_FIELDS = {"/fields/system.areapath": "areas", "/fields/system.iterationpath": "iterations"}
LINK_URL = re.compile(r"(?i)^https?://[^?#]*/_apis/wit/workItems/(\d+)$")


async def prepare(replay: Replay) -> None:
    """Makes the example's work items, adapts the request to them, then runs its own setup."""
    op = replay.op
    wanted: list[int] = []
    primary: int | None = None
    match = WORK_ITEM_PATH.search(op.template)
    if match and str(replay.path.get(match[2], "")).isdigit():
        primary = int(replay.path[match[2]])
        wanted.append(primary)
    if "ids" in replay.query and re.search(r"/(workitems|recyclebin)$", op.template, re.I):
        wanted += [int(x) for x in replay.query["ids"].split(",") if x.strip().isdigit()]
    if isinstance(replay.body, dict) and isinstance(replay.body.get("ids"), list):
        wanted += [int(x) for x in replay.body["ids"] if str(x).isdigit()]  # not query GUIDs
    for operation in replay.body if isinstance(replay.body, list) else []:
        value = operation.get("value") if isinstance(operation, dict) else None
        url = value.get("url") if isinstance(value, dict) else None
        link = LINK_URL.match(url) if isinstance(url, str) else None
        if link:
            wanted.append(int(link[1]))
    for operation in replay.body if isinstance(replay.body, list) else []:
        node = NODE_FIELDS.get(str(operation.get("path", "")).lower())
        if node and isinstance(operation.get("value"), str) and "\\" in operation["value"]:
            await replay.ensure_node(node, operation["value"])
    for example_id in dict.fromkeys(wanted):
        model = replay.response_item(example_id).get("fields", {})
        replay.ids[example_id] = await replay.create_item(
            str(model.get("System.WorkItemType", "Task")),
            str(model.get("System.Title", f"Item {example_id}")),
        )
    if primary is not None:
        await replay.bump(replay.ids[primary], _target_rev(replay))
    if re.search(r"/recyclebin", op.template, re.I):
        for id in replay.ids.values():
            await replay.call("DELETE", f"wit/workitems/{id}", scoped=False)
    _adapt(replay)
    extra = SETUPS.get(replay.example.file.lower())
    if extra is not None:
        await extra(replay)


def _target_rev(replay: Replay) -> int:
    """The revision the example's item must be at: the one its `test /rev` names, or enough for
    the update or revision number the example reads."""
    for operation in replay.body if isinstance(replay.body, list) else []:
        if isinstance(operation, dict) and (operation.get("op"), operation.get("path")) == (
            "test",
            "/rev",
        ):
            return int(operation["value"])
    numbers = [replay.path.get(n) for n in ("updateNumber", "revisionNumber")]
    wanted = [int(n) for n in numbers if n and n.isdigit()]
    return max([3, *wanted])


def _adapt(replay: Replay) -> None:
    ids = replay.ids
    for name, value in list(replay.path.items()):
        if value.isdigit() and int(value) in ids and name in {"id", "workItemId"}:
            replay.path[name] = str(ids[int(value)])
    if "ids" in replay.query and ids:
        replay.query["ids"] = ",".join(
            str(ids.get(int(x), x)) for x in replay.query["ids"].split(",") if x.strip().isdigit()
        )
    if "asOf" in replay.query:
        replay.query["asOf"] = _now()
    body = replay.body
    if isinstance(body, dict):
        if isinstance(body.get("ids"), list):
            body["ids"] = [ids.get(int(x), x) if str(x).isdigit() else x for x in body["ids"]]
        if "asOf" in body:
            body["asOf"] = _now()
    for operation in body if isinstance(body, list) else []:
        value = operation.get("value") if isinstance(operation, dict) else None
        url = value.get("url") if isinstance(value, dict) else None
        link = LINK_URL.match(url) if isinstance(url, str) else None
        if link and value is not None:
            value["url"] = f"http://emulator/{ORG}/_apis/wit/workItems/{ids[int(link[1])]}"
