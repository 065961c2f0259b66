"""Attachment handlers: upload (whole, or chunked with Content-Range) and download."""

from __future__ import annotations

import mimetypes
import re
import uuid
from urllib.parse import quote

from starlette.responses import Response

from witsync.emulator import attachmentstore, errors
from witsync.emulator.context import Ctx, JSONResponse, endpoint
from witsync.emulator.store import Project

CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+)\s*$", re.IGNORECASE)


@endpoint
async def upload(ctx: Ctx) -> Response:
    """`POST attachments?fileName=&uploadType=Simple` stores the body (201); `uploadType=Chunked`
    only registers an id for the chunks to come (the recorded example answers 201 too)."""
    kind = ctx.param("uploadType", "Simple") or ""
    if not kind.strip():
        raise errors.bad_request("The uploadType parameter cannot be null or empty.")
    name = ctx.param("fileName") or ""
    id = str(uuid.uuid4())
    if kind.lower() == "chunked":
        attachmentstore.save(ctx.store, ctx.org, id, name, b"", complete=False)
        return _reference(ctx, id, name, 201)
    if kind.lower() != "simple":
        raise errors.bad_request(
            f"The upload type '{kind}' is not supported for POST: use Simple or Chunked."
        )
    declared = ctx.request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > attachmentstore.MAX_BYTES:
        raise attachmentstore.too_large()
    content = await ctx.request.body()
    if len(content) > attachmentstore.MAX_BYTES:
        raise attachmentstore.too_large()
    attachmentstore.save(ctx.store, ctx.org, id, name, content, complete=True)
    return _reference(ctx, id, name, 201)


@endpoint
async def upload_chunk(ctx: Ctx) -> Response:
    """`PUT attachments/{id}` with `Content-Range: bytes FROM-TO/TOTAL`: 202 while bytes are
    missing, 201 once the last chunk is in (as the service's controller answers)."""
    id = ctx.request.path_params["attachment"]
    content_type = ctx.request.headers.get("content-type", "").lower()
    if content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
        return _http_error(400, "Attachment chunks are sent as application/octet-stream.")
    match = CONTENT_RANGE.match(ctx.request.headers.get("content-range", ""))
    if match is None:
        return _http_error(
            400, "A chunk needs a Content-Range header such as 'bytes 0-39999/50000'."
        )
    start, end, total = (int(g) for g in match.groups())
    data = await ctx.request.body()
    if end - start != len(data) - 1:
        return _http_error(400, "The Content-Range does not match the length of the chunk.")
    found = attachmentstore.add_chunk(ctx.store, ctx.org, id, start, total, data)
    return _reference(ctx, found.id, ctx.param("fileName") or "", 201 if found.complete else 202)


@endpoint
async def download(ctx: Ctx) -> Response:
    """The file: images (not SVG), PDFs and videos inline with their own type, anything else (or
    `download=true`) as an application/octet-stream attachment."""
    id = ctx.request.path_params["attachment"]
    found = attachmentstore.get(ctx.store, ctx.org, id)
    if found is None or not found.complete:
        raise attachmentstore.not_found(id)
    name = ctx.param("fileName") or found.name
    guessed = (mimetypes.guess_type(name)[0] or "") if name else ""
    inline = (
        guessed.startswith(("image/", "video/")) and guessed != "image/svg+xml"
    ) or guessed == "application/pdf"
    headers = {}
    if ctx.flag("download") or not inline:
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name or id)}"
    media = guessed if inline else "application/octet-stream"
    return Response(found.content, media_type=media, headers=headers)


def _reference(ctx: Ctx, id: str, name: str, status: int) -> Response:
    """An AttachmentReference; its url is where the file is read (and what an AttachedFile
    relation names)."""
    url = _attachment_url(ctx, id, ctx.project)
    if name:
        url += f"?fileName={quote(name)}"
    headers = {"Location": url}
    return JSONResponse({"id": id, "url": url}, status_code=status, headers=headers)


def _attachment_url(ctx: Ctx, id: str, project: Project | None) -> str:
    return ctx.urls.api(f"wit/attachments/{id}", project)


def _http_error(status: int, message: str) -> Response:
    """What the controller builds with CreateErrorResponse: an HttpError wrapped like a
    collection, not a WrappedException."""
    return JSONResponse({"count": 1, "value": {"Message": message}}, status_code=status)
