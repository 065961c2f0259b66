"""Work item templates: a team's saved templates (wit/templates), a type's new-item defaults."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import Response

from witsync.emulator import errors, wire
from witsync.emulator.context import Ctx, JSONResponse, endpoint, read_json
from witsync.emulator.processes import lookup_field, process_named
from witsync.emulator.store import Project

# What a new item's template leaves out: the numbers and dates only a save gives it.
NOT_IN_TEMPLATE = frozenset(
    {
        "System.Id",
        "System.Rev",
        "System.CreatedDate",
        "System.ChangedDate",
        "System.AuthorizedDate",
        "System.RevisedDate",
        "System.Watermark",
        "System.CommentCount",
        "System.Title",
    }
)
UNSET_DATE = "1753-01-01T00:00:00Z"  # what the service shows for a date no save has set yet


@endpoint
async def work_item_template(ctx: Ctx) -> Response:
    """`GET workitems/$Type`: the fields a new item of the type starts with (state, reason,
    paths, the caller as creator, the type's defaults), no id, no rev."""
    project = ctx.need_project()
    type_name = str(ctx.request.path_params["type"])
    if not type_name.startswith("$"):
        raise HTTPException(404)
    # What a create would make, without saving it or checking rules: the same defaults always.
    blank = [{"op": "add", "path": "/fields/System.Title", "value": ""}]
    saved = ctx.board().create(project, type_name[1:], blank, validate_only=True, bypass_rules=True)
    fields = {k: v for k, v in saved.item.fields.items() if k not in NOT_IN_TEMPLATE}
    if "Microsoft.VSTS.Common.StateChangeDate" in fields:
        fields["Microsoft.VSTS.Common.StateChangeDate"] = UNSET_DATE
    wanted = [n.strip() for n in (ctx.param("fields") or "").split(",") if n.strip()]
    if wanted:
        refs = set()
        for name in wanted:
            fdef = lookup_field(name)
            if fdef is None:
                raise errors.field_not_found(name)
            refs.add(fdef.ref)
        fields = {k: v for k, v in fields.items() if k in refs}
    wit_name = saved.item.fields.get("System.WorkItemType", type_name[1:])
    return JSONResponse(
        {
            "fields": {k: wire.field_value(k, v, ctx.urls) for k, v in fields.items()},
            "_links": {
                "workItemType": {"href": ctx.urls.api(f"wit/workItemTypes/{wit_name}", project)},
                "fields": {"href": ctx.urls.api("wit/fields", project)},
            },
            "url": ctx.urls.api("wit/workItems", project),
        }
    )


@endpoint
async def templates(ctx: Ctx) -> Response:
    """A team's templates (GET, `workitemtypename=` filters; no fields) or a new one (POST)."""
    project = ctx.need_project()
    team = _team(ctx)
    if ctx.request.method == "POST":
        body = _checked(ctx, project, await read_json(ctx, "application/json"))
        body["id"] = str(uuid.uuid4())
        with ctx.store.write():
            ctx.store.conn.execute(
                "INSERT INTO team_templates (org, project, team, id, body) VALUES (?, ?, ?, ?, ?)",
                (ctx.org, project.id, team.lower(), body["id"], json.dumps(body)),
            )
        return JSONResponse(_json(ctx, project, team, body, with_fields=True), status_code=201)
    rows = ctx.store.conn.execute(
        "SELECT body FROM team_templates WHERE org = ? AND project = ? AND team = ?",
        (ctx.org, project.id, team.lower()),
    ).fetchall()
    found = [json.loads(r[0]) for r in rows]
    kind = ctx.param("workitemtypename")
    if kind:
        found = [t for t in found if str(t["workItemTypeName"]).lower() == kind.lower()]
    found.sort(key=lambda t: (str(t["name"]).lower(), t["id"]))
    return JSONResponse(
        wire.collection([_json(ctx, project, team, t, with_fields=False) for t in found])
    )


@endpoint
async def template(ctx: Ctx) -> Response:
    """One template: GET it, PUT replaces it (name, description, type, fields), DELETE it."""
    project = ctx.need_project()
    team = _team(ctx)
    id = str(ctx.request.path_params["template"]).lower()
    row = ctx.store.conn.execute(
        "SELECT body FROM team_templates WHERE org = ? AND project = ? AND team = ? AND "
        "lower(id) = ?",
        (ctx.org, project.id, team.lower(), id),
    ).fetchone()
    if row is None:
        raise errors.ServiceError(
            404,
            "WorkItemTemplateNotFoundException",
            f"The template {id} does not exist for team {team}.",
        )
    current = json.loads(row[0])
    if ctx.request.method == "GET":
        return JSONResponse(_json(ctx, project, team, current, with_fields=True))
    if ctx.request.method == "DELETE":
        with ctx.store.write():
            ctx.store.conn.execute(
                "DELETE FROM team_templates WHERE org = ? AND id = ?", (ctx.org, current["id"])
            )
        return Response(status_code=200)
    body = _checked(ctx, project, await read_json(ctx, "application/json"))
    body["id"] = current["id"]
    with ctx.store.write():
        ctx.store.conn.execute(
            "UPDATE team_templates SET body = ? WHERE org = ? AND id = ?",
            (json.dumps(body), ctx.org, current["id"]),
        )
    return JSONResponse(_json(ctx, project, team, body, with_fields=True))


def _team(ctx: Ctx) -> str:
    """The team segment as given: the emulator has no teams of its own, so a template belongs to
    whatever name or id the caller's URLs use for the team."""
    return str(ctx.request.path_params["team"])


def _checked(ctx: Ctx, project: Project, body: Any) -> dict[str, Any]:
    """A template as stored: a name, a type of the project's process, fields by reference name."""
    if not isinstance(body, dict):
        raise errors.bad_request("The template is required in the body of the request.")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request("The template name cannot be null or empty.")
    kind = body.get("workItemTypeName")
    process = process_named(project.process)
    wit = process.type(str(kind)) if process is not None and isinstance(kind, str) else None
    if wit is None:
        raise errors.ServiceError(
            404,
            "WorkItemTypeNotFoundException",
            f"Work item type {kind} does not exist in project {project.name} or you do not have "
            "permission to access it.",
        )
    raw = body.get("fields") or {}
    if not isinstance(raw, dict):
        raise errors.bad_request("The template fields must map field names to values.")
    fields: dict[str, Any] = {}
    for ref, value in raw.items():
        fdef = lookup_field(str(ref))
        if fdef is None:
            raise errors.field_not_found(str(ref))
        fields[fdef.ref] = value
    return {
        "name": name.strip(),
        "description": str(body.get("description") or ""),
        "workItemTypeName": wit.name,
        "fields": fields,
    }


def _json(
    ctx: Ctx, project: Project, team: str, t: dict[str, Any], *, with_fields: bool
) -> dict[str, Any]:
    url = f"{ctx.urls.org_url}/{quote(project.name)}/{quote(team)}/_apis/wit/templates/{t['id']}"
    body: dict[str, Any] = {"fields": t["fields"]} if with_fields else {}
    body.update(
        {
            "id": t["id"],
            "name": t["name"],
            "description": t["description"],
            "workItemTypeName": t["workItemTypeName"],
            "_links": {
                "workItemType": {
                    "href": ctx.urls.api(f"wit/workItemTypes/{t['workItemTypeName']}", project)
                },
                "self": {"href": url},
            },
            "url": url,
        }
    )
    return body
