"""Tag handlers: a project's tag definitions, read one, rename one or delete one (on its items)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from witsync.emulator import errors, wire
from witsync.emulator.context import Ctx, JSONResponse, endpoint, read_json
from witsync.emulator.store import Project, Store
from witsync.emulator.values import join_tags, now_stamp, split_tags, wire_date

MAX_NAME = 400  # characters in one tag
TAGS_SERVER = "Microsoft.Azure.Devops.Tags.Server"


@dataclass(frozen=True)
class TagDefinition:
    id: str
    name: str
    last_updated: str


@endpoint
async def tags(ctx: Ctx) -> Response:
    """Every tag of the project: a tag exists once an item of the project carried it, and stays
    (with its id) until it is deleted, whether or not items still carry it."""
    project = ctx.need_project()
    found = _definitions(ctx, project)
    return JSONResponse(wire.collection([_json(ctx, project, d) for d in found]))


@endpoint
async def tag(ctx: Ctx) -> Response:
    """One tag by id or name: GET it, PATCH `{"name": ...}` to rename it on every item of the
    project, DELETE it from every item. Items keep their rev: the service keeps tags on items by
    reference, so neither is a new revision of the items."""
    project = ctx.need_project()
    wanted = str(ctx.request.path_params["tag"])
    definitions = _definitions(ctx, project)
    found = _find(definitions, wanted)
    method = ctx.request.method
    if method == "DELETE":
        if found is not None:  # deleting a tag that is not there is no error
            with ctx.store.write():
                _retag(ctx.store, ctx.org, project, found.name, None)
                _forget(ctx.store, ctx.org, project, found)
        return Response(status_code=200)
    if found is None:
        raise errors.ServiceError(
            404,
            "TagDefinitionNotFoundException",
            f"The tag '{wanted}' does not exist in project {project.name}.",
            namespace=TAGS_SERVER,
        )
    if method == "GET":
        return JSONResponse(_json(ctx, project, found))
    body = await read_json(ctx, "application/json")
    if not isinstance(body, dict):
        raise errors.bad_request("The tag definition is required in the body of the request.")
    new_name = _valid_name(body.get("name"), found.name)
    clash = _find(definitions, new_name)
    if clash is not None and clash.id != found.id:
        raise errors.ServiceError(
            409,
            "DuplicateTagNameException",
            f"A tag named '{clash.name}' already exists in project {project.name}.",
            namespace=TAGS_SERVER,
        )
    renamed = TagDefinition(found.id, new_name, now_stamp(ctx.clock))
    with ctx.store.write():
        _retag(ctx.store, ctx.org, project, found.name, new_name)
        _forget(ctx.store, ctx.org, project, found)
        _remember(ctx.store, ctx.org, project, renamed)
        ctx.store.remember_tags(ctx.org, [new_name])
    return JSONResponse(_json(ctx, project, renamed))


def _json(ctx: Ctx, project: Project, d: TagDefinition) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        "url": ctx.urls.api(f"wit/tags/{d.id}", project),
        "lastUpdated": wire_date(d.last_updated),
    }


def _definitions(ctx: Ctx, project: Project) -> list[TagDefinition]:
    """The project's definitions, after adding one for each tag its items carry that has none
    yet (a new tag is defined by the save that first uses it; here the first read after it)."""
    known = _stored(ctx.store, ctx.org, project)
    keys = {d.name.lower() for d in known}
    new: dict[str, str] = {}
    for _id, tags in _tagged_items(ctx.store, ctx.org, project):
        for name in tags:
            if name.lower() not in keys:
                new.setdefault(name.lower(), name)
    if new:
        now = now_stamp(ctx.clock)
        with ctx.store.write():
            for key, name in new.items():
                ident = str(uuid.uuid5(uuid.NAMESPACE_URL, f"witsync-tag/{project.id}/{key}"))
                _remember(ctx.store, ctx.org, project, TagDefinition(ident, name, now))
        known = _stored(ctx.store, ctx.org, project)
    return sorted(known, key=lambda d: (d.name.lower(), d.name))


def _find(definitions: list[TagDefinition], wanted: str) -> TagDefinition | None:
    """By id (a GUID, any case) or by name (case-insensitive)."""
    for d in definitions:
        if d.id.lower() == wanted.lower() or d.name.lower() == wanted.lower():
            return d
    return None


def _valid_name(raw: object, current: str) -> str:
    if raw is None:
        return current
    name = str(raw).strip()
    if not name or len(name) > MAX_NAME or any(c in name for c in ";,"):
        raise errors.bad_request(
            f"The tag name '{raw}' is not valid: it must have 1 to {MAX_NAME} characters and "
            "no ';' or ','."
        )
    return name


def _tagged_items(store: Store, org: str, project: Project) -> list[tuple[int, list[str]]]:
    """(id, tags) of the project's items that carry tags, the recycle bin's included."""
    rows = store.conn.execute(
        "SELECT id, fields FROM work_items WHERE org = ? AND lower(project) = ? AND "
        "instr(fields, '\"System.Tags\"') > 0",
        (org, project.name.lower()),
    ).fetchall()
    found = []
    for id, raw in rows:
        value = json.loads(raw).get("System.Tags")
        if value:
            found.append((int(id), split_tags(str(value))))
    return found


def _retag(store: Store, org: str, project: Project, old: str, new: str | None) -> None:
    """Rename `old` to `new` (None: remove it) on every item of the project that carries it."""
    for id, tags in _tagged_items(store, org, project):
        if old.lower() not in (t.lower() for t in tags):
            continue
        item = store.get(org, id, include_deleted=True)
        if item is None:
            continue
        kept = [t for t in tags if t.lower() != old.lower()]
        if new is not None:
            kept.append(new)
        joined = join_tags(kept)
        if joined:
            item.fields["System.Tags"] = joined
        else:
            item.fields.pop("System.Tags", None)
        store.put(item)


def _stored(store: Store, org: str, project: Project) -> list[TagDefinition]:
    rows = store.conn.execute(
        "SELECT id, name, last_updated FROM tag_definitions WHERE org = ? AND project = ?",
        (org, project.id),
    ).fetchall()
    return [TagDefinition(r[0], r[1], r[2]) for r in rows]


def _remember(store: Store, org: str, project: Project, d: TagDefinition) -> None:
    store.conn.execute(
        "INSERT OR REPLACE INTO tag_definitions (org, project, key, id, name, last_updated) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (org, project.id, d.name.lower(), d.id, d.name, d.last_updated),
    )


def _forget(store: Store, org: str, project: Project, d: TagDefinition) -> None:
    """Drop the definition, and the organization's remembered spelling of its name (later saves
    spell the tag as they write it)."""
    store.conn.execute(
        "DELETE FROM tag_definitions WHERE org = ? AND project = ? AND id = ?",
        (org, project.id, d.id),
    )
    store.conn.execute("DELETE FROM tags WHERE org = ? AND key = ?", (org, d.name.lower()))
