"""Attachments in SQLite (sent whole or in chunks), and the AttachedFile links that name them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from witsync.emulator import errors
from witsync.emulator.store import Store

MAX_BYTES = 60 * 1024 * 1024  # the service's default attachment size limit (60 MB)
MAX_PER_ITEM = 100  # attachments per work item
ATTACHMENT_URL = re.compile(r"/_apis/wit/attachments/([0-9a-fA-F-]{36})(?:[/?#]|$)")


@dataclass(frozen=True)
class Attachment:
    id: str
    name: str
    size: int
    """The whole file's size; a chunked upload declares it with its first chunk."""
    complete: bool
    content: bytes


def save(store: Store, org: str, id: str, name: str, content: bytes, complete: bool) -> None:
    with store.write():
        store.conn.execute(
            "INSERT OR REPLACE INTO attachments (org, id, name, size, complete, content) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (org, id.lower(), name, len(content), int(complete), content),
        )


def get(store: Store, org: str, id: str) -> Attachment | None:
    row = store.conn.execute(
        "SELECT id, name, size, complete, content FROM attachments WHERE org = ? AND id = ?",
        (org, id.lower()),
    ).fetchone()
    return Attachment(row[0], row[1], int(row[2]), bool(row[3]), bytes(row[4])) if row else None


def add_chunk(store: Store, org: str, id: str, start: int, total: int, data: bytes) -> Attachment:
    """Put `data` at byte `start` of a chunked upload of `total` bytes: chunks come in order (a
    chunk sent again replaces what it covers); the upload is complete with its last byte."""
    with store.write():
        found = get(store, org, id)
        if found is None:
            raise not_found(id)
        if total > MAX_BYTES:
            raise too_large()
        if start > len(found.content) or start + len(data) > total:
            raise errors.bad_request(
                "The Content-Range of the chunk does not continue the upload: "
                f"{len(found.content)} of {total} bytes are there."
            )
        content = found.content[:start] + data
        complete = len(content) == total
        store.conn.execute(
            "UPDATE attachments SET size = ?, complete = ?, content = ? WHERE org = ? AND id = ?",
            (total, int(complete), content, org, id.lower()),
        )
    return Attachment(found.id, found.name, total, complete, content)


def stamp_attached_file(
    store: Store, org: str, relation: dict[str, Any], stamp: dict[str, Any]
) -> None:
    """An AttachedFile relation names an uploaded attachment (`.../_apis/wit/attachments/{id}`,
    `?fileName=` optional): the service stores the url without its query and shows the file's
    name and size among the link's attributes, next to `stamp` (the resource link's id and
    dates)."""
    url = str(relation.get("url", ""))
    match = ATTACHMENT_URL.search(url)
    found = get(store, org, match.group(1)) if match else None
    if found is None or not found.complete:
        raise errors.ServiceError(
            400,
            "WorkItemAttachmentNotFoundException",
            f"The attachment at {url} does not exist: upload it first (POST attachments).",
        )
    parts = urlsplit(url)
    named = parse_qs(parts.query).get("fileName") or parse_qs(parts.query).get("filename")
    relation["url"] = parts._replace(query="", fragment="").geturl()
    attributes = relation.setdefault("attributes", {})
    attributes.update(stamp)
    attributes["resourceSize"] = found.size
    attributes["name"] = named[0] if named else found.name


def check_attachment_count(relations: list[dict[str, Any]]) -> None:
    count = sum(1 for r in relations if str(r.get("rel", "")).lower() == "attachedfile")
    if count > MAX_PER_ITEM:
        raise errors.ServiceError(
            400,
            "WorkItemAttachmentLimitExceededException",
            f"A work item can have at most {MAX_PER_ITEM} attachments; this one would have "
            f"{count}.",
        )


def not_found(id: str) -> errors.ServiceError:
    return errors.ServiceError(
        404, "AttachmentNotFoundException", f"The attachment {id} does not exist."
    )


def too_large() -> errors.ServiceError:
    return errors.ServiceError(
        400,
        "AttachmentSizeExceededException",
        f"The attachment is larger than the maximum of {MAX_BYTES} bytes (60 MB).",
    )
