"""Request plumbing shared by the handlers: caller, organization, project, parameters, JSON."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from witsync.emulator import errors, wire
from witsync.emulator.board import Board
from witsync.emulator.errors import ServiceError
from witsync.emulator.formats import accept_version, formats_of, knows_formats, with_formats
from witsync.emulator.store import Item, Project, Store, load_json
from witsync.emulator.values import Clock

JSON_TYPE = "application/json; charset=utf-8"
PATCH_TYPE = "application/json-patch+json"


class JSONResponse(Response):
    media_type = JSON_TYPE

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)  # the same bytes: compact, UTF-8, nothing escaped
        except TypeError:  # what orjson refuses (a non-str key, a >64-bit int)
            return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


class Ctx:
    """What a handler needs about one request: the caller, organization, project, URLs, board."""

    def __init__(self, request: Request) -> None:
        emulator = request.app.state.emulator
        self.request = request
        self.store: Store = emulator.store
        self.me: str = request.scope["state"]["me"]
        self.org: str = request.scope["state"]["org"]
        base = f"{request.url.scheme}://{request.url.netloc}"
        self.urls = wire.Urls(base, self.org)
        self.link_bumps_rev: bool = emulator.options.link_bumps_rev
        self.clock: Clock = emulator.clock
        name = request.path_params.get("project")
        self.project: Project | None = None
        if name is not None:
            self.project = self.store.project(self.org, name)
            if self.project is None:
                raise errors.project_not_found(name)
        self.query = request.query_params
        self._projects: dict[str, Project | None] = {}
        # 7.2-preview and later read and answer multi-line fields' formats (Markdown)
        version = self.param("api-version") or accept_version(request.headers.get("accept", ""))
        self.markdown = knows_formats(version)

    def board(self, temp_ids: Mapping[int, int] | None = None) -> Board:
        return Board(
            self.store,
            self.org,
            self.me,
            link_bumps_rev=self.link_bumps_rev,
            temp_ids=temp_ids,
            clock=self.clock,
            markdown=self.markdown,
        )

    def param(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.query.multi_items():
            if key.lower() == name.lower():
                return value
        return default

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() == "true"

    def project_of(self, item: Item) -> Project | None:
        if item.project not in self._projects:
            self._projects[item.project] = self.store.project(self.org, item.project)
        return self._projects[item.project]

    def render(self, item: Item, **kwargs: Any) -> dict[str, Any]:
        body = wire.work_item(item, self.urls, self.project_of(item), **kwargs)
        if self.markdown:
            return with_formats(body, formats_of(self.store, self.org, item.id))
        return body

    def need_project(self) -> Project:
        if self.project is None:
            raise errors.bad_request("The project name or id is required for this request.")
        return self.project


Handler = Callable[[Ctx], Awaitable[Response]]


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            return await handler(Ctx(request))
        except ServiceError as error:
            return JSONResponse(wire.error_body(error), status_code=error.status)

    run.__name__ = handler.__name__
    return run


async def read_json(ctx: Ctx, content_type: str) -> Any:
    given = ctx.request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    method = ctx.request.method
    if given != content_type:
        raise errors.bad_request(
            f'The request indicated a Content-Type of "{given}" for method type "{method}" which '
            f"is not supported. Valid content types for this method are: {content_type}.",
            "VssRequestContentTypeNotSupportedException",
        )
    raw = await ctx.request.body()
    if not raw.strip():
        return None
    try:
        return load_json(raw)  # a `$batch` of 200 creates is ~1 MB
    except ValueError:
        raise errors.bad_request("The request body is not valid JSON.") from None


EXPANDS = ("none", "relations", "fields", "links", "all")
ERROR_POLICIES = {"1": "fail", "2": "omit"}


def expand_of(ctx: Ctx, default: str) -> str:
    """`$expand` by name or, as the Node client sends enums, by number (Relations = 1)."""
    value = (ctx.param("$expand") or default).lower()
    if value.isdigit() and int(value) < len(EXPANDS):
        value = EXPANDS[int(value)]
    if value not in EXPANDS:
        raise errors.bad_request(f"The expand value '{value}' is not valid.")
    return value


def error_handlers() -> dict[Any, Callable[..., Any]]:
    """No route: the framework's HttpError, wrapped like a collection (`{"count": 1, "value":
    {"Message": ...}}`), a shape clients must parse besides WrappedException."""

    async def no_route(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        message = (
            f"No HTTP resource was found that matches the request URI '{request.url}'."
            if status == 404
            else f"The requested resource does not support http method '{request.method}'."
        )
        return JSONResponse({"count": 1, "value": {"Message": message}}, status_code=status)

    return {404: no_route, 405: no_route}
