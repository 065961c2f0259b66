"""The WIQL endpoint: runs the query engine and writes the WorkItemQueryResult."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from witsync.emulator import errors
from witsync.emulator.context import Ctx, JSONResponse, endpoint, read_json
from witsync.emulator.errors import ServiceError
from witsync.emulator.processes import lookup_field
from witsync.emulator.values import now_stamp, wire_date
from witsync.emulator.wiql.run import WiqlContext, WiqlError, WiqlResult, run_wiql


def resolve_field(name: str) -> tuple[str, str, str] | None:
    fdef = lookup_field(name)
    return (fdef.ref, fdef.name, fdef.type) if fdef else None


@endpoint
async def wiql(ctx: Ctx) -> Response:
    body = await read_json(ctx, "application/json")
    text = body.get("query") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise errors.bad_request("You must pass a query object in the body of the request.")
    return JSONResponse(wiql_body(ctx, run_text(ctx, text)))


def run_text(ctx: Ctx, text: str, *, top: int | None = None) -> WiqlResult:
    """Runs WIQL in the request's scope (project, `$top`, `timePrecision`); WIQL errors become
    the service's 400 answers. `top` overrides `$top` (a check that the text is valid)."""
    if top is None:
        top = _top(ctx)
    context = WiqlContext(
        org=ctx.org,
        project=ctx.project.name if ctx.project else None,
        me=ctx.me,
        today=datetime.now(UTC).date(),
        resolve_field=resolve_field,
        top=top,
        time_precision=ctx.flag("timePrecision"),
    )
    try:
        return run_wiql(ctx.store.conn, text, context)
    except WiqlError as error:
        raise ServiceError(
            400, error.type_key, error.message, namespace=errors.FRAMEWORK, event_id=3000
        ) from None


def _top(ctx: Ctx) -> int | None:
    top_raw = ctx.param("$top")
    top = None
    if top_raw is not None:
        try:
            top = int(top_raw)
        except ValueError:
            top = 0
        if top <= 0:
            raise errors.bad_request("The value of $top must be a positive number.")
    return top


def wiql_body(ctx: Ctx, result: WiqlResult) -> dict[str, Any]:
    def column(ref: str) -> dict[str, Any]:
        fdef = lookup_field(ref)
        return {
            "referenceName": ref,
            "name": fdef.name if fdef else ref,
            "url": ctx.urls.field(ref),
        }

    prefix = ctx.urls.api("wit/workItems/")

    def ref(id: int) -> dict[str, Any]:
        return {"id": id, "url": f"{prefix}{id}"}

    body: dict[str, Any] = {
        "queryType": result.query_type,
        "queryResultType": "workItem" if result.query_type == "flat" else "workItemLink",
        "asOf": wire_date(now_stamp()),
        "columns": [column(c) for c in result.columns],
    }
    if result.sort_columns:
        body["sortColumns"] = [
            {"field": column(c), "descending": d} for c, d in result.sort_columns
        ]
    if result.query_type == "flat":
        body["workItems"] = [{"id": i, "url": f"{prefix}{i}"} for i in result.work_item_ids]
    else:
        body["workItemRelations"] = [
            # A top-level item has no link: the service leaves `rel` and `source` out.
            {"target": ref(target)}
            if source is None
            else {"rel": rel, "source": ref(source), "target": ref(target)}
            for rel, source, target in result.relations
        ]
    return body


# -- metadata -------------------------------------------------------------------------------------
