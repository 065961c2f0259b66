"""Multi-line text written as Markdown (Azure DevOps 7.2, witsync.yaml `markdown: native`).

`MarkdownClient` speaks api-version 7.2-preview. The process it reads types every `html` field
`markdown`, so the planner sends a manifest's Markdown as written (planning/normalize.py), and
every write of such a field says its format in the same patch
(`/multilineFieldsFormat/<field>`: `markdown`, or `html` for a value written as HTML). Reading
back, a field stored as Markdown reads as the HTML it renders to (ado/wire.py), so a plan compares
it with the manifest's Markdown without a perpetual difference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from witsync.ado import wire
from witsync.ado.batch import BatchCreate, BatchRequest, BatchResult, BatchUpdate
from witsync.ado.client import Client
from witsync.model import JSON, LiveItem, Process
from witsync.model.markdown import MARKDOWN, looks_like_html

NATIVE_API_VERSION = "7.2-preview"
FORMAT_PATH = "/multilineFieldsFormat/"


class MarkdownClient(Client):
    """A `Client` that writes multi-line text fields as Markdown (see the module docstring)."""

    api_version = NATIVE_API_VERSION
    writes_markdown = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._multiline: frozenset[str] | None = None

    async def get_process(self) -> Process:
        process = await super().get_process()
        self._multiline = frozenset(
            ref for ref, info in process.fields.items() if info.type == "html"
        )
        return as_markdown(process)

    async def create_item(
        self, type: str, ops: Sequence[Mapping[str, JSON]], **flags: Any
    ) -> LiveItem:
        return await super().create_item(type, with_formats(ops, await self._fields()), **flags)

    async def update_item(
        self, id: int, ops: Sequence[Mapping[str, JSON]], **flags: Any
    ) -> LiveItem:
        return await super().update_item(id, with_formats(ops, await self._fields()), **flags)

    async def batch(self, requests: Sequence[BatchRequest], **flags: Any) -> list[BatchResult]:
        multiline = await self._fields()
        formatted = [
            dataclasses.replace(request, ops=with_formats(request.ops, multiline))
            if isinstance(request, BatchCreate | BatchUpdate)
            else request
            for request in requests
        ]
        return await super().batch(formatted, **flags)

    async def _fields(self) -> frozenset[str]:
        """The multi-line fields: from the process read, else (an apply of a plan file) read."""
        if self._multiline is None:
            body = await self._call("GET", self.url("fields", project=True))
            self._multiline = frozenset(
                str(entry["referenceName"])
                for entry in wire.values(body, "fields")
                if entry.get("type") == "html"
            )
        return self._multiline


def as_markdown(process: Process) -> Process:
    """`process` with its `html` fields typed `markdown` (written natively as Markdown)."""
    fields = {
        ref: dataclasses.replace(info, type=MARKDOWN) if info.type == "html" else info
        for ref, info in process.fields.items()
    }
    return dataclasses.replace(process, fields=fields)


def with_formats(
    ops: Sequence[Mapping[str, JSON]], multiline: Collection[str]
) -> list[Mapping[str, JSON]]:
    """`ops` and, for each value written to a multi-line field, its format: `markdown`, or `html`
    for a value that is HTML (`looks_like_html`, the planner's own test)."""
    formats: dict[str, str] = {}
    for op in ops:
        path, value = str(op.get("path", "")), op.get("value")
        ref = path.removeprefix("/fields/")
        written = op.get("op") in {"add", "replace"} and isinstance(value, str)
        if written and ref != path and ref in multiline:
            formats[ref] = "html" if looks_like_html(str(value)) else MARKDOWN
    return [
        *ops,
        *({"op": "add", "path": FORMAT_PATH + ref, "value": f} for ref, f in formats.items()),
    ]
