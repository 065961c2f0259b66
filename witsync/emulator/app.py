"""The emulator as an ASGI app: state, request gate (auth, api-version, case-insensitive routes)."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from witsync.emulator.context import error_handlers
from witsync.emulator.faults import EmulatorOptions, FaultMiddleware, FaultState
from witsync.emulator.processes import Catalog, ProcessDef, serving
from witsync.emulator.routes import ROUTES
from witsync.emulator.store import Store
from witsync.emulator.values import Clock, parse_identity, system_clock

DEFAULT_USER = "Local User <local.user@local-board.invalid>"
VERSION = re.compile(r"^(7\.[01](-preview(\.\d+)?)?|7\.2-preview(\.\d+)?)$")
"""7.0 and 7.1, and 7.2 as a preview (Markdown text fields: emulator/formats.py)."""
SIGN_IN_PAGE = (
    "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head>"
    "<body><p>Sign in to your account to continue.</p></body></html>"
)


class Emulator:
    """Everything one app instance holds: the store, the projects to create, the fault state, the
    clock that dates its writes."""

    def __init__(
        self,
        db: str | os.PathLike[str],
        projects: Sequence[str],
        options: EmulatorOptions,
        clock: Clock = system_clock,
        processes: Sequence[ProcessDef] = (),
    ) -> None:
        self.store = Store(db)
        self.clock = clock
        # the built-in processes and the custom ones (witsync serve --process), for every request
        self.catalog = Catalog(processes)
        default = processes[0].name if processes else "Agile"
        self.projects: list[tuple[str, str]] = []
        for spec in projects:
            name, _, process = spec.partition(":")
            definition = self.catalog.process(process or default)
            if not name.strip() or definition is None:
                raise ValueError(f"bad project {spec!r}: use NAME or NAME:Agile|Scrum|Basic|CMMI")
            self.projects.append((name.strip(), definition.name))
        self.areas: list[str] = []
        self.iterations: list[tuple[str, tuple[str, str] | None]] = []
        self.faults = FaultState(options)
        self._ready: set[str] = set()

    @property
    def options(self) -> EmulatorOptions:
        return self.faults.options

    @options.setter
    def options(self, options: EmulatorOptions) -> None:
        self.faults.set_options(options)

    def add_areas(self, paths: Sequence[str]) -> None:
        """Extra area paths (`Project\\A\\B`, parents included) made with every organization."""
        self.areas += [self._under_project("area", path) for path in paths]
        self._ready.clear()

    def add_iterations(self, iterations: Sequence[tuple[str, tuple[str, str] | None]]) -> None:
        """Extra iterations (`Project\\Release 1\\Sprint 7`, parents included) made with every
        organization, each with its (startDate, finishDate) in ISO 8601, or None."""
        self.iterations += [(self._under_project("iteration", p), d) for p, d in iterations]
        self._ready.clear()

    def _under_project(self, kind: str, path: str) -> str:
        names = {name.lower() for name, _ in self.projects}
        clean = path.strip("\\")
        if clean.split("\\")[0].lower() not in names:
            raise ValueError(f"{kind} {path!r} is not under a project given with --project")
        return clean

    def open_org(self, org: str) -> None:
        """Organizations are namespaces made on first use, each with the configured projects."""
        if org in self._ready:
            return
        for name, process in self.projects:
            self.store.ensure_project(org, name, process)
        nodes: list[tuple[str, str, tuple[str, str] | None]] = [
            ("area", path, None) for path in self.areas
        ]
        nodes += [("iteration", path, dates) for path, dates in self.iterations]
        for structure, path, dates in nodes:
            parts = path.split("\\")
            project = self.store.project(org, parts[0])
            parts[0] = project.name if project else parts[0]
            with self.store.write():
                for depth in range(2, len(parts) + 1):
                    self.store.add_node(org, structure, "\\".join(parts[:depth]))
                if dates is not None:
                    self.store.set_node_dates(org, structure, "\\".join(parts), dates)
        self._ready.add(org)


def caller(headers: dict[str, str], options: EmulatorOptions) -> str | None:
    """The caller as stored (`Name <email>`), or None when the request is not authenticated."""
    auth = headers.get("authorization", "")
    scheme, _, credential = auth.partition(" ")
    user, token = "", ""
    if scheme.lower() == "basic":
        try:
            user, _, token = base64.b64decode(credential).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
    elif scheme.lower() == "bearer":
        token = credential.strip()
    if options.pat is not None and (not token or token != options.pat):
        return None
    person = parse_identity(user) if user else None
    return f"{person[0]} <{person[1]}>" if person else DEFAULT_USER


def folded(path: str) -> str:
    """The path as the routes see it: everything after `/_apis` matches in any case, as on the
    service (`workItems`, `workitems`); the organization and project keep theirs."""
    head, sep, tail = path.partition("/_apis")
    return head + sep + tail.lower() if sep else path


def routed(app: Starlette, method: str, path: str) -> bool:
    """Whether the app has a route for `method path` (as the Gate passes it on): what the README's
    list of served operations and the OpenAPI conformance test count as served."""
    scope: Scope = {"type": "http", "method": method.upper(), "path": folded(path)}
    return any(route.matches(scope)[0] is Match.FULL for route in app.routes)


class Gate:
    """Auth, api-version and the case-insensitive part of the URL, before any route runs."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        head, sep, _tail = path.partition("/_apis")
        if sep:
            scope = {**scope, "path": folded(path)}
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        me = caller(headers, self.emulator.options)
        if me is None:
            await self._unauthenticated(scope, headers, send)
            return
        method = scope.get("method", "GET")
        if sep and method != "OPTIONS":
            problem = _version_problem(scope, headers, method)
            if problem:
                await _send(send, 400, problem, "application/json; charset=utf-8")
                return
        org = head.strip("/").split("/", 1)[0].lower()
        if org:
            self.emulator.open_org(org)
        scope["state"] = {**scope.get("state", {}), "me": me, "org": org}
        if "noarraywrap=true" in headers.get("accept", "").replace(" ", "").lower():
            send = _unwrapping(send)
        with serving(self.emulator.catalog):
            await self.app(scope, receive, send)

    async def _unauthenticated(self, scope: Scope, headers: dict[str, str], send: Send) -> None:
        method = scope.get("method", "GET")
        if headers.get("x-tfs-fedauthredirect", "").lower() == "suppress" or method not in {
            "GET",
            "POST",
        }:
            body = {
                "$id": "1",
                "innerException": None,
                "message": "TF400813: The user '' is not authorized to access this resource.",
                "typeName": "Microsoft.TeamFoundation.Framework.Server."
                "UnauthorizedRequestException, "
                "Microsoft.TeamFoundation.Framework.Server",
                "typeKey": "UnauthorizedRequestException",
                "errorCode": 0,
                "eventId": 3000,
            }
            await _send(
                send,
                401,
                body,
                "application/json; charset=utf-8",
                {
                    "WWW-Authenticate": 'Basic realm="https://local-board/", TFS-Federated',
                    "X-TFS-FedAuthRedirect": "https://local-board/_signin",
                    "X-VSS-AuthenticateError": "TF400813: Resource not available for anonymous "
                    "access.",
                },
            )
            return
        await _send(send, 203, SIGN_IN_PAGE, "text/html; charset=utf-8")


def _unwrapping(send: Send) -> Send:
    """`Accept: ...; noArrayWrap=true`: collections come back as bare JSON arrays."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def unwrap(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if (
            isinstance(data, dict)
            and set(data) == {"count", "value"}
            and isinstance(data["value"], list)
        ):
            body = json.dumps(data["value"], ensure_ascii=False, separators=(",", ":")).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return unwrap


def _version_problem(scope: Scope, headers: dict[str, str], method: str) -> dict[str, Any] | None:
    query = scope.get("query_string", b"").decode()
    version = None
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key.lower() == "api-version":
            version = unquote(value)
    if version is None:
        match = re.search(r"api-version=([\w.\-]+)", headers.get("accept", ""))
        version = match.group(1) if match else None
    if version is None:
        message = (
            f'No api-version was supplied for the "{method}" request. An api-version must be '
            'supplied either as part of the Accept header (e.g. "application/json; '
            'api-version=1.0")'
            ' or as a query parameter (e.g. "?api-version=1.0").'
        )
        key = "VssVersionNotSpecifiedException"
    elif not VERSION.match(version):
        message = (
            f"The requested REST API version of {version} is out of range for this server. The "
            "latest REST API version for this server is 7.1."
        )
        key = "VssVersionOutOfRangeException"
    else:
        return None
    return {
        "$id": "1",
        "innerException": None,
        "message": message,
        "typeName": f"Microsoft.VisualStudio.Services.WebApi.{key}, "
        "Microsoft.VisualStudio.Services.WebApi",
        "typeKey": key,
        "errorCode": 0,
        "eventId": 3000,
    }


async def _send(
    send: Send, status: int, body: Any, content_type: str, headers: dict[str, str] | None = None
) -> None:
    data = (body if isinstance(body, str) else json.dumps(body)).encode()
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


def create_app(
    db: str | os.PathLike[str] = ":memory:",
    *,
    projects: Sequence[str] = (),
    options: EmulatorOptions | None = None,
    clock: Clock = system_clock,
    processes: Sequence[ProcessDef] = (),
) -> Starlette:
    """The emulator app. `projects`: "Name" or "Name:Process", created in every org on first use;
    `app.state.emulator.options` may be replaced at run time. `clock` dates the writes (tests
    freeze it to put several saves in one millisecond). `processes`: custom processes
    (emulator/custom_process.py) served besides the built-in ones; a project without a process
    named gets the first of them."""
    emulator = Emulator(db, projects, options or EmulatorOptions(), clock, processes)
    app = Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(FaultMiddleware, state=emulator.faults),
            Middleware(Gate, emulator=emulator),
        ],
        exception_handlers=error_handlers(),
    )
    app.state.emulator = emulator
    return app
