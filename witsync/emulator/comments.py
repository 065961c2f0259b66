"""Comment handlers: add, edit, delete, read one or a page, versions and reactions of a comment."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from markdown_it import MarkdownIt
from starlette.responses import Response

from witsync.emulator import errors, wire
from witsync.emulator.commentparams import (
    expand_of,
    format_of,
    from_token,
    ids_of,
    order_of,
    out_of_range,
    reaction_of,
    to_token,
    top_of,
)
from witsync.emulator.commentstore import (
    Comment,
    Version,
    comment_of,
    comments_of,
    new_version,
    react,
    reactions_of,
    set_format,
    sync,
    unreact,
    versions_of,
)
from witsync.emulator.context import Ctx, JSONResponse, endpoint, read_json
from witsync.emulator.errors import ServiceError
from witsync.emulator.store import Item, Project
from witsync.emulator.values import identity_parts, now_stamp, sanitise_html, wire_date

MAX_TEXT = 1024 * 1024  # long text, comments included, holds at most 1M characters
COMMENTS_SERVER = "Microsoft.TeamFoundation.Comments.Server"
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


# -- the comments of an item ---------------------------------------------------------------------


@endpoint
async def comments(ctx: Ctx) -> Response:
    """A page of an item's comments (newest first unless `order=asc`), or with `ids=` those."""
    project, item = _item(ctx)
    include_deleted = ctx.flag("includeDeleted")
    expand = expand_of(ctx.param("$expand"))
    every = comments_of(ctx.store, ctx.org, item.id)
    every = [c for c in every if include_deleted or not c.deleted]
    raw_ids = ctx.param("ids")
    if raw_ids is not None:
        wanted = ids_of(raw_ids)
        chosen = [c for c in every if c.id in wanted]
        body = _list(ctx, project, chosen, len(chosen), expand)
        return JSONResponse(body)
    top = top_of(ctx.param("$top"))
    order = order_of(ctx.param("order"))
    ordered = every if order == "asc" else every[::-1]
    token = ctx.param("continuationToken")
    if token:
        start = from_token(token)
        ordered = [c for c in ordered if (c.id >= start if order == "asc" else c.id <= start)]
    page, rest = ordered[:top], ordered[top:]
    body = _list(ctx, project, page, len(every), expand)
    if rest:
        next_token = to_token(rest[0].id)
        query = [(k, v) for k, v in ctx.query.multi_items() if k.lower() != "continuationtoken"]
        query.append(("continuationToken", next_token))
        body["nextPage"] = f"{_comments_url(ctx, project, item.id)}?{urlencode(query)}"
        body["continuationToken"] = next_token
    return JSONResponse(body)


@endpoint
async def add_comment(ctx: Ctx) -> Response:
    """A new comment is a new revision of the item that writes System.History (the History,
    `updates` and System.CommentCount show it, as on the service); rules are not checked again.
    `format=markdown` keeps the text as sent and renders it for `renderedText`."""
    project, item = _item(ctx)
    format = format_of(ctx.param("format")) or "html"
    text = await _text(ctx)
    value: Any = {"text": text, "format": "Markdown"} if format == "markdown" else text
    saved = ctx.board().update(
        item.id,
        [{"op": "add", "path": "/fields/System.History", "value": value}],
        bypass_rules=True,
    )
    sync(ctx.store, ctx.org, item.id)
    added = next(c for c in comments_of(ctx.store, ctx.org, item.id) if c.rev == saved.item.rev)
    if format == "markdown":
        set_format(ctx.store, ctx.org, added.id, format, text)
        added = replace(added, format=format, text=text)
    return JSONResponse(_comment_json(ctx, project, added, "none"))


@endpoint
async def comment(ctx: Ctx) -> Response:
    """One comment: read it (GET), edit its text (PATCH) or delete it (DELETE); an edit or a delete
    is a new version of the comment, not a revision of the item."""
    project, item = _item(ctx)
    method = ctx.request.method
    found = _one(ctx, item, include_deleted=method == "GET" and ctx.flag("includeDeleted"))
    if method == "GET":
        return JSONResponse(_comment_json(ctx, project, found, expand_of(ctx.param("$expand"))))
    _own(ctx, found)
    format = format_of(ctx.param("format")) or found.format
    text = found.text
    if method == "PATCH":
        text = await _text(ctx)  # read before the write
        text = text if format == "markdown" else sanitise_html(text)
    now = now_stamp(ctx.clock)
    with ctx.store.write():
        if method == "PATCH":
            new_version(ctx.store, ctx.org, found, text, ctx.me, now, deleted=False)
            if format != found.format:
                set_format(ctx.store, ctx.org, found.id, format)
        else:
            new_version(ctx.store, ctx.org, found, text, ctx.me, now, deleted=True)
            _count_comments(ctx, item, -1)
    changed = comment_of(ctx.store, ctx.org, item.id, found.id)
    assert changed is not None
    return JSONResponse(_comment_json(ctx, project, changed, "none"))


@endpoint
async def versions(ctx: Ctx) -> Response:
    """Every version of a comment (text, who changed it and when, deleted or not), or one."""
    project, item = _item(ctx)
    found = _one(ctx, item, include_deleted=True)
    all_versions = versions_of(ctx.store, ctx.org, found.id)
    number = ctx.request.path_params.get("version")
    if number is None:
        return JSONResponse(
            wire.collection([_version_json(ctx, project, found, v) for v in all_versions])
        )
    match = [v for v in all_versions if v.version == int(number)]
    if not match:
        raise ServiceError(
            404,
            "CommentVersionNotFoundException",
            f"Version {number} of comment {found.id} does not exist.",
            namespace=COMMENTS_SERVER,
        )
    return JSONResponse(_version_json(ctx, project, found, match[0]))


# -- reactions -----------------------------------------------------------------------------------


@endpoint
async def reactions(ctx: Ctx) -> Response:
    """The reactions of a comment: one entry per reaction type somebody used."""
    project, item = _item(ctx)
    found = _one(ctx, item)
    return JSONResponse(wire.collection(_reactions_json(ctx, project, found)))


@endpoint
async def reaction(ctx: Ctx) -> Response:
    """PUT adds the caller's reaction of a type, DELETE takes it back; both answer the type's
    reaction as it now stands."""
    project, item = _item(ctx)
    found = _one(ctx, item)
    kind = reaction_of(str(ctx.request.path_params["reaction"]))
    if ctx.request.method == "PUT":
        react(ctx.store, ctx.org, found.id, kind, ctx.me, now_stamp(ctx.clock))
    else:
        unreact(ctx.store, ctx.org, found.id, kind, ctx.me)
    people = reactions_of(ctx.store, ctx.org, found.id).get(kind, [])
    return JSONResponse(_reaction_json(ctx, project, found, kind, people))


@endpoint
async def engaged_users(ctx: Ctx) -> Response:
    """The people who reacted with one type (`$top`, `$skip`)."""
    _project, item = _item(ctx)
    found = _one(ctx, item)
    kind = reaction_of(str(ctx.request.path_params["reaction"]))
    people = reactions_of(ctx.store, ctx.org, found.id).get(kind, [])
    try:
        skip = max(int(ctx.param("$skip") or 0), 0)
        top = int(ctx.param("$top") or len(people))
    except ValueError:
        raise errors.bad_request("$top and $skip must be numbers.") from None
    chosen = people[skip : skip + max(top, 0)]
    return JSONResponse(wire.collection([wire.identity_ref(p, ctx.urls) for p in chosen]))


# -- shapes --------------------------------------------------------------------------------------


def _comment_json(ctx: Ctx, project: Project, c: Comment, expand: str) -> dict[str, Any]:
    """A Comment. The recorded examples name the id `commentId` where the schema (and the
    official clients' models) say `id`: both are written, so either kind of reader finds it."""
    body: dict[str, Any] = {
        "workItemId": c.work_item,
        "id": c.id,
        "commentId": c.id,
        "version": c.version,
    }
    if expand != "renderedTextOnly":
        body["text"] = c.text
    if expand in {"renderedText", "renderedTextOnly", "all"}:
        body["renderedText"] = _rendered(c.text, c.format)
    body["format"] = c.format
    body.update(
        {
            "createdBy": wire.identity_ref(c.created_by, ctx.urls),
            "createdDate": wire_date(c.created_date),
            "modifiedBy": wire.identity_ref(c.modified_by, ctx.urls),
            "modifiedDate": wire_date(c.modified_date),
            "isDeleted": c.deleted,
        }
    )
    if expand in {"reactions", "all"}:
        body["reactions"] = _reactions_json(ctx, project, c)
    body["url"] = f"{_comments_url(ctx, project, c.work_item)}/{c.id}"
    return body


def _list(
    ctx: Ctx, project: Project, page: list[Comment], total: int, expand: str
) -> dict[str, Any]:
    return {
        "totalCount": total,
        "count": len(page),
        "comments": [_comment_json(ctx, project, c, expand) for c in page],
    }


def _version_json(ctx: Ctx, project: Project, c: Comment, v: Version) -> dict[str, Any]:
    url = f"{_comments_url(ctx, project, c.work_item)}/{c.id}/versions/{v.version}"
    return {
        "id": c.id,
        "version": v.version,
        "text": v.text,
        "renderedText": _rendered(v.text, c.format),
        "createdBy": wire.identity_ref(c.created_by, ctx.urls),
        "createdDate": wire_date(c.created_date),
        "modifiedBy": wire.identity_ref(v.modified_by, ctx.urls),
        "modifiedDate": wire_date(v.modified_date),
        "isDeleted": v.deleted,
        "url": url,
    }


def _reactions_json(ctx: Ctx, project: Project, c: Comment) -> list[dict[str, Any]]:
    return [
        _reaction_json(ctx, project, c, kind, people)
        for kind, people in reactions_of(ctx.store, ctx.org, c.id).items()
    ]


def _reaction_json(
    ctx: Ctx, project: Project, c: Comment, kind: str, people: list[str]
) -> dict[str, Any]:
    me = identity_parts(ctx.me)[1].lower()
    return {
        "commentId": c.id,
        "count": len(people),
        "isCurrentUserEngaged": any(identity_parts(p)[1].lower() == me for p in people),
        "type": kind,
        "url": f"{_comments_url(ctx, project, c.work_item)}/{c.id}/reactions/{kind}",
    }


def _rendered(text: str, format: str) -> str:
    """A comment's text as HTML: Markdown rendered, HTML as stored (sanitised already)."""
    return _MARKDOWN.render(text).strip() if format == "markdown" else text


def _comments_url(ctx: Ctx, project: Project, work_item: int) -> str:
    return ctx.urls.api(f"wit/workItems/{work_item}/comments", project)


# -- request pieces ------------------------------------------------------------------------------


def _item(ctx: Ctx) -> tuple[Project, Item]:
    """The project and the item (404 when it is not in that project), its comments in sync."""
    project = ctx.need_project()
    id = int(ctx.request.path_params["id"])
    if id <= 0:
        raise out_of_range("workItemId")
    item = ctx.board().get(id)
    if item.project.lower() != project.name.lower():
        raise errors.not_found(id)
    sync(ctx.store, ctx.org, item.id)
    return project, item


def _one(ctx: Ctx, item: Item, *, include_deleted: bool = False) -> Comment:
    number = int(ctx.request.path_params["comment"])
    if number <= 0:
        raise out_of_range("commentId")
    found = comment_of(ctx.store, ctx.org, item.id, number)
    if found is None or (found.deleted and not include_deleted):
        raise ServiceError(
            404,
            "CommentNotFoundException",
            f"Comment {number} of work item {item.id} does not exist.",
            namespace=COMMENTS_SERVER,
        )
    return found


def _own(ctx: Ctx, found: Comment) -> None:
    """Only the author edits or deletes a comment."""
    if identity_parts(found.created_by)[1].lower() != identity_parts(ctx.me)[1].lower():
        raise ServiceError(
            403,
            "CommentUpdateException",
            f"Comment {found.id} can be changed only by the person who wrote it.",
            namespace=COMMENTS_SERVER,
        )


async def _text(ctx: Ctx) -> str:
    body = await read_json(ctx, "application/json")
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise errors.bad_request("The text parameter cannot be null or empty.")
    if len(text) > MAX_TEXT:
        raise ServiceError(
            400,
            "WorkItemMaxCommentTextSizeExceededException",
            f"The comment is longer than the maximum of {MAX_TEXT} characters.",
        )
    return text


def _count_comments(ctx: Ctx, item: Item, change: int) -> None:
    """System.CommentCount follows a delete at once, without a new revision of the item."""
    current = ctx.store.get(ctx.org, item.id)
    if current is None:
        return
    current.fields["System.CommentCount"] = max(
        int(current.fields.get("System.CommentCount") or 0) + change, 0
    )
    ctx.store.put(current)
