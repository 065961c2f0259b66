"""`$batch`: many work item creates, updates and deletes in one call, with temporary negative ids.

As on the server: an error while preparing (bad JSON, failed `test`, unknown field, duplicate id,
missing target) saves nothing and answers only the failing entries; an error while saving fails
that entry alone and the others are kept. Fault injection (`EmulatorOptions.batch_*`) may answer
a sub-request 429, 503 or 500 without processing it, as a save-time failure of that entry alone.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from witsync.emulator import errors, wire
from witsync.emulator.context import Ctx, JSONResponse, read_json
from witsync.emulator.errors import ServiceError
from witsync.emulator.store import dump_json

ALLOWED_PARAMS = frozenset({"api-version", "bypassrules", "suppressnotifications"})
URI = re.compile(r"^/?(?:(?P<project>[^/]+)/)?_apis/wit/workitems/(?P<target>\d+|\$[^/]+)/?$", re.I)
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


class _PrepareFailed(Exception):
    """Raised to roll the whole batch back."""


def _entry(code: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"code": code, "headers": {**JSON_HEADERS, **(headers or {})}, "body": dump_json(body)}


def _unsupported() -> dict[str, Any]:
    return _entry(404, {"count": 1, "value": {"Message": "Unsupported Batch operation."}})


async def batch(request: Request) -> Response:
    try:
        ctx = Ctx(request)
        body = await read_json(ctx, "application/json")
        if not isinstance(body, list) or not body:
            raise errors.bad_request("The batch request must be a non-empty JSON array.")
        if len(body) > 200:
            raise errors.bad_request(
                f"VS401397: Bulk update of {len(body)} work items exceeds batch limit of 200",
                "WorkItemBatchLimitExceededException",
            )
    except ServiceError as error:
        return JSONResponse(wire.error_body(error), status_code=error.status)
    flags = [_flags(sub) for sub in body]
    results: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for name in ("bypassrules", "suppressnotifications"):
        if len({f.get(name, "false") for f in flags if f is not None}) > 1:
            mixed = errors.bad_request(
                f"The {name} parameter needs to be consistent on all requests in the batch."
            )
            entry = _entry(400, wire.error_body(mixed))
            return JSONResponse(wire.collection([entry for _ in body]))
    temp_ids: dict[int, int] = {}
    faults = request.app.state.emulator.faults
    fired: list[int] = []
    try:
        with ctx.store.write():
            for sub, flag in zip(body, flags, strict=True):
                fault = faults.sub_request_fault(_item_id(sub))
                if fault is not None:
                    results.append(_entry(fault.status, fault.body, fault.headers))
                    fired += [fault.fired] if fault.fired is not None else []
                    continue
                try:
                    results.append(_run(ctx, sub, flag, temp_ids))
                except ServiceError as error:
                    entry = _entry(error.status, wire.error_body(error))
                    if error.prepare:
                        failed.append(entry)
                    results.append(entry)
                except _Unsupported:
                    failed.append(_unsupported())
                    results.append(failed[-1])
            if failed:
                raise _PrepareFailed
    except _PrepareFailed:
        faults.fired.difference_update(fired)  # not answered: they fire on the next try
        return JSONResponse(wire.collection(failed))
    return JSONResponse(wire.collection(results))


class _Unsupported(Exception):
    """The sub-request matches no batchable operation."""


def _item_id(sub: Any) -> int | None:
    """The work item a sub-request is for (None for a create, or one that matches nothing)."""
    if not isinstance(sub, dict) or not isinstance(sub.get("uri"), str):
        return None
    match = _route(sub["uri"])
    return int(match["target"]) if match is not None and match["target"].isdigit() else None


# Cached: the sub-requests of a batch of creates name the same few URIs.
@lru_cache(maxsize=256)
def _route(uri: str) -> re.Match[str] | None:
    return URI.match(unquote(urlsplit(uri).path))


@lru_cache(maxsize=256)
def _query(uri: str) -> tuple[tuple[str, str], ...]:
    return tuple((k.lower(), v.lower()) for k, v in parse_qsl(urlsplit(uri).query))


def _flags(sub: Any) -> dict[str, str] | None:
    if not isinstance(sub, dict) or not isinstance(sub.get("uri"), str):
        return None
    return dict(_query(sub["uri"]))


def _run(
    ctx: Any, sub: Any, flags: dict[str, str] | None, temp_ids: dict[int, int]
) -> dict[str, Any]:
    if flags is None or not isinstance(sub, dict):
        raise _Unsupported
    method = str(sub.get("method", "")).upper()
    # As on the server: the path is URL-decoded before routing (`$User%20Story` is "User Story").
    match = _route(sub["uri"])
    if match is None or set(flags) - ALLOWED_PARAMS:
        raise _Unsupported
    target = match["target"]
    board = ctx.board(temp_ids)
    if method == "DELETE" and target.isdigit():
        board.delete(int(target), destroy=False)
        return _entry(200, {"id": int(target), "code": 200})
    if method != "PATCH":
        raise _Unsupported
    ops = sub.get("body")
    if isinstance(ops, str):
        try:
            ops = json.loads(ops)
        except ValueError:
            raise errors.bad_request("The body of the request is not valid JSON.") from None
    bypass = flags.get("bypassrules") == "true"
    if target.isdigit():
        saved = board.update(int(target), ops, bypass_rules=bypass)
    else:
        name = match["project"]
        project = ctx.store.project(ctx.org, name) if name else None
        if project is None:
            raise errors.project_not_found(name or "")
        temp = _temp_id(ops)
        if temp in temp_ids:
            raise errors.bad_request(
                "VS403357: Work items in the batch are expected to be unique, but found work item "
                f"with ID {temp} in more than one request."
            )
        saved = board.create(project, target[1:], ops, bypass_rules=bypass)
        temp_ids[temp] = saved.item.id
    rendered = ctx.render(saved.item, expand="relations", history=saved.history, links=True)
    return _entry(200, rendered)


def _temp_id(ops: Any) -> int:
    if isinstance(ops, list):
        for op in ops:
            if isinstance(op, dict) and str(op.get("path", "")).lower() == "/id":
                value = op.get("value")
                if isinstance(value, int) and value <= 0:
                    return value
    return -1
