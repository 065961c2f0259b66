"""The Azure DevOps work item client: the REST calls witsync makes, as typed async methods.

It works the same against dev.azure.com, an Azure DevOps Server collection URL and the emulator,
in-process or over a socket: URLs are built by appending quoted path segments to the
organization URL, never by taking it apart. How requests travel (token, retries, throttling,
concurrency) is `witsync.ado.transport`; what answers mean is `witsync.ado.wire` and
`witsync.ado.failures`; what a `$batch` carries and answers is `witsync.ado.batch`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from types import TracebackType
from urllib.parse import urlencode

import httpx
import orjson

from witsync.ado import wire
from witsync.ado.batch import (
    WRITE_BATCH_SIZE,
    Answer,
    BatchRequest,
    BatchResult,
    batch_name,
    read_answers,
    send_retrying,
    sub_requests,
)
from witsync.ado.transport import RetryPolicy, Sleep, Token, Transport, gather_all, token_from_env
from witsync.ado.urls import display_url, parse_org_url, segment
from witsync.ado.wiql import FlatQuery, parse_flat
from witsync.errors import ConfigError, NotFoundError, WireFormatError
from witsync.model import JSON, LiveItem, Process, RequestBudget

__all__ = [
    "BATCH_SIZE",
    "WRITE_BATCH_SIZE",
    "Client",
    "Token",
    "display_url",
    "parse_org_url",
    "token_from_env",
]

API_VERSION = "7.1"
BATCH_SIZE = 200
"""The most ids one workitemsbatch request may carry (VS403474 above)."""
WIQL_PAGE = 19_999
"""Below the 20,000 cap: the server then truncates silently instead of failing (VS402337)."""
UPDATES_PAGE = 200
CLASSIFICATION_DEPTH = 30


class Client:
    """Reads and writes work items of one project. Use as `async with Client(...) as client:`."""

    api_version = API_VERSION
    writes_markdown = False
    """Whether multi-line text goes to the board as Markdown (`witsync.ado.markdown`)."""
    """Sent with every request (ado/markdown.py's client speaks 7.2-preview)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        org_url: str,
        project: str,
        *,
        token: Token | None = None,
        max_concurrency: int = 8,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        wiql_page: int = WIQL_PAGE,
    ) -> None:
        if not project:
            raise ConfigError(
                "no project given", hint="pass --project NAME or set `project:` in witsync.yaml"
            )
        self.org_url = parse_org_url(org_url)
        self.project = project
        self.transport = Transport(
            http, token=token, max_concurrency=max_concurrency, retry=retry, sleep=sleep
        )
        self._wiql_page = wiql_page
        self._work_item_url: tuple[str, str] | None = None
        """`work_item_url`'s URL around the id, once built."""

    @property
    def request_count(self) -> int:
        """Every HTTP request sent so far, retries included (for benchmarks and tests)."""
        return self.transport.request_count

    def budget(self) -> RequestBudget:
        """What this client's requests have cost so far: their count, and the rate-limit use the
        server reported (X-RateLimit-*), if it did."""
        return self.transport.usage.budget()

    def __repr__(self) -> str:
        return f"Client(org_url={str(self.org_url)!r}, project={self.project!r})"

    async def aclose(self) -> None:
        await self.transport.http.aclose()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- URLs -----------------------------------------------------------------------------------

    def url(self, *segments: str, project: bool = False) -> httpx.URL:
        """`{org}[/{project}]/_apis/wit/<segments>`; segments are already encoded path segments."""
        parts = [segment(self.project)] if project else []
        parts += ["_apis", "wit", *segments]
        base = self.org_url.raw_path.rstrip(b"/")
        return self.org_url.copy_with(raw_path=base + b"/" + "/".join(parts).encode("ascii"))

    def work_item_url(self, id: int) -> str:
        """The absolute URL to put in a relation's `url` (the server reads the id off its end)."""
        # Built once and filled in: an apply of 100,000 creates asks for one per link, and an
        # httpx.URL per call cost ~2 s per 10,000.
        if self._work_item_url is None:
            head, slot, tail = str(self.url("workItems", "0")).rpartition("/workItems/0")
            self._work_item_url = (head + slot[:-1], tail)
        head, tail = self._work_item_url
        return f"{head}{segment(id)}{tail}"

    # -- sending --------------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        url: httpx.URL,
        *,
        params: Mapping[str, str | int] | None = None,
        body: JSON = None,
        content_type: str = "application/json",
        write: bool = False,
        work_item: int | str | None = None,
    ) -> JSON:
        query: dict[str, str | int] = {"api-version": self.api_version, **(params or {})}
        headers = {"Accept": "application/json"}
        content = None
        if body is not None:
            # orjson: a 100,000-item apply sends 200 `$batch` bodies of ~1 MB (bench_scale.py)
            try:
                content = orjson.dumps(body)
            except TypeError:  # what orjson refuses (a non-str key, a >64-bit int): the stdlib
                content = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        request = self.transport.http.build_request(
            method, url, params=query, headers=headers, content=content
        )
        response = await self.transport.send(request, write=write, work_item=work_item)
        if response.status_code == 204 or not response.content:
            return None
        try:
            # orjson: a 100,000-item plan reads 500 answers of ~480 KB (bench_scale.py).
            return orjson.loads(response.content)
        except ValueError:
            raise WireFormatError(
                f"unexpected answer for {method} {url.path}: not JSON", status=response.status_code
            ) from None

    # -- metadata -------------------------------------------------------------------------------

    async def get_process(self) -> Process:
        """Work item types (states, initial state, fields), field definitions and tree paths."""
        types_body, fields_body, nodes_body = await gather_all(
            self._call("GET", self.url("workitemtypes", project=True)),
            self._call("GET", self.url("fields", project=True)),
            self._call(
                "GET",
                self.url("classificationnodes", project=True),
                params={"$depth": CLASSIFICATION_DEPTH},
            ),
        )
        process = wire.process(types_body, fields_body, nodes_body)
        missing = wire.needs_states(types_body)
        if not missing:
            return process
        # Older servers leave states out of the type list: read them per type.
        states = await gather_all(
            *(
                self._call("GET", self.url("workitemtypes", segment(name), "states", project=True))
                for name in missing
            )
        )
        types = dict(process.types)
        by_name = {
            str(entry["name"]): entry for entry in wire.values(types_body, "work item types")
        }
        for name, body in zip(missing, states, strict=True):
            types[name] = wire.type_info(by_name[name], body)
        return Process(
            types=types,
            fields=process.fields,
            area_paths=process.area_paths,
            iteration_paths=process.iteration_paths,
        )

    async def read_allowed_values(self, process: Process, types: Iterable[str]) -> Process:
        """`process` with the picklists of the named types read where the list of types left
        them out (Azure DevOps does; the emulator does not): one request per such type."""
        missing = [
            name
            for name in dict.fromkeys(types)
            if name in process.types and process.types[name].allowed_values is None
        ]
        if not missing:
            return process
        bodies = await gather_all(
            *(
                self._call(
                    "GET",
                    self.url("workitemtypes", segment(name), "fields", project=True),
                    params={"$expand": "allowedValues"},
                )
                for name in missing
            )
        )
        types = dict(process.types)
        for name, body in zip(missing, bodies, strict=True):
            listed = wire.allowed_values(wire.values(body, "work item type fields"))
            types[name] = dataclasses.replace(types[name], allowed_values=listed or {})
        return dataclasses.replace(process, types=types)

    # -- reads ----------------------------------------------------------------------------------

    async def query_ids(self, wiql: str | FlatQuery) -> list[int]:
        """Ids matching a flat WIQL query, all of them: a query ordered by [System.Id] is paged by
        id ranges past the server's 20,000-result cap; any other query is sent as it is."""
        query = wiql if isinstance(wiql, FlatQuery) else parse_flat(wiql)
        if query is None:
            assert isinstance(wiql, str)
            return wire.wiql_ids(await self._wiql(wiql))
        ids: list[int] = []
        after: int | None = None
        while True:
            page = wire.wiql_ids(await self._wiql(query.text(after), top=self._wiql_page))
            ids += page
            if len(page) < self._wiql_page:
                return ids
            after = page[-1]

    async def _wiql(self, text: str, *, top: int | None = None) -> JSON:
        params = {"$top": top} if top is not None else None
        return await self._call(
            "POST", self.url("wiql", project=True), params=params, body={"query": text}
        )

    async def get_items(
        self,
        ids: Iterable[int],
        *,
        on_read: Callable[[int], None] | None = None,
        keep: Container[str] | None = None,
    ) -> list[LiveItem]:
        """The items with their relations, in the order asked, read 200 at a time concurrently;
        ids that do not exist (or are not readable) are left out. `on_read(n)` is called as each
        batch of n ids is answered (progress: "3,400 / 10,000 items"). With `keep`, each item
        holds only the fields it names (see `wire.live_item`).

        Each answer is decoded as it arrives and its JSON let go: 500 answers of 100,000 items
        held until the last one came were over a gigabyte."""
        unique = list(dict.fromkeys(ids))
        chunks = [unique[i : i + BATCH_SIZE] for i in range(0, len(unique), BATCH_SIZE)]
        shared: dict[str, str] = {}

        async def read(chunk: Sequence[int]) -> list[LiveItem]:
            body = await self._read_batch(chunk)
            items = [
                wire.live_item(entry, keep, shared)
                for entry in wire.values(body, "workitemsbatch")
                if entry
            ]
            if on_read is not None:
                on_read(len(chunk))
            return items

        batches = await gather_all(*(read(chunk) for chunk in chunks))
        return [item for batch in batches for item in batch]

    async def _read_batch(self, ids: Sequence[int]) -> JSON:
        body = {"ids": list(ids), "$expand": "relations", "errorPolicy": "omit"}
        return await self._call("POST", self.url("workitemsbatch"), body=body)

    async def get_item(self, id: int) -> LiveItem | None:
        """One item with its relations, or None if it does not exist (or is in the recycle bin)."""
        try:
            body = await self._call(
                "GET",
                self.url("workitems", segment(id)),
                params={"$expand": "relations"},
                work_item=id,
            )
        except NotFoundError:
            return None
        return wire.live_item(body)

    async def get_updates(self, id: int) -> list[JSON]:
        """The item's revision history (GET .../updates), oldest first, every page of it."""
        updates: list[JSON] = []
        seen: set[object] = set()
        while True:
            body = await self._call(
                "GET",
                self.url("workItems", segment(id), "updates"),
                params={"$top": UPDATES_PAGE, "$skip": len(updates)},
                work_item=id,
            )
            page = wire.values(body, "work item updates")
            # A server that ignores $top/$skip sends everything each time: keep what is new, and
            # stop as soon as a page is short, oversized, or brings nothing new.
            new = [u for u in page if not isinstance(u, dict) or u.get("id") not in seen]
            seen.update(u.get("id") for u in new if isinstance(u, dict) and u.get("id") is not None)
            updates += new
            if len(page) != UPDATES_PAGE or len(new) < len(page):
                return updates

    # -- the recycle bin ------------------------------------------------------------------------

    async def deleted_ids(self) -> list[int]:
        """The ids of the project's work items in the recycle bin (shallow references only)."""
        body = await self._call("GET", self.url("recyclebin", project=True))
        return [
            int(entry["id"])
            for entry in wire.values(body, "the recycle bin")
            if isinstance(entry, Mapping) and entry.get("id") is not None
        ]

    async def deleted_references(self, ids: Sequence[int]) -> list[JSON]:
        """One reference per id in the recycle bin (`id`, `type`, `name`, who deleted it and
        when), without fields: at most 200 ids a request."""
        if not ids:
            return []
        body = await self._call(
            "GET",
            self.url("recyclebin", project=True),
            params={"ids": ",".join(str(id) for id in ids)},
        )
        entries = wire.values(body, "the recycle bin")
        return [entry for entry in entries if isinstance(entry, Mapping)]

    async def get_deleted(self, id: int) -> LiveItem | None:
        """A work item in the recycle bin, with its fields and relations; None when it is not
        there (restored, destroyed, or never deleted)."""
        try:
            body = await self._call(
                "GET", self.url("recyclebin", segment(id), project=True), work_item=id
            )
        except NotFoundError:
            return None
        return _deleted_resource(body, id)

    async def restore_item(self, id: int) -> LiveItem:
        """Bring a work item back from the recycle bin (PATCH `{"isDeleted": false}`): the item
        as restored. NotFoundError when it is not in the bin."""
        body = await self._call(
            "PATCH",
            self.url("recyclebin", segment(id), project=True),
            body={"isDeleted": False},
            write=True,
            work_item=id,
        )
        return _deleted_resource(body, id)

    # -- writes ---------------------------------------------------------------------------------

    async def create_item(
        self,
        type: str,
        ops: Sequence[Mapping[str, JSON]],
        *,
        validate_only: bool = False,
        suppress_notifications: bool = False,
    ) -> LiveItem:
        """POST a new item of `type` with the JSON-patch `ops`; the answer carries its relations."""
        url = self.url("workitems", "$" + segment(type), project=True)
        flags = _write_flags(validate_only, suppress_notifications)
        return await self._write_item("POST", url, ops, flags, work_item=f"new {type}")

    async def update_item(
        self,
        id: int,
        ops: Sequence[Mapping[str, JSON]],
        *,
        validate_only: bool = False,
        suppress_notifications: bool = False,
    ) -> LiveItem:
        """PATCH item `id` with the JSON-patch `ops` (start with `test /rev` to guard the write)."""
        url = self.url("workitems", segment(id))
        flags = _write_flags(validate_only, suppress_notifications)
        return await self._write_item("PATCH", url, ops, flags, work_item=id)

    async def _write_item(
        self,
        method: str,
        url: httpx.URL,
        ops: Sequence[Mapping[str, JSON]],
        flags: Mapping[str, str | int],
        *,
        work_item: int | str,
    ) -> LiveItem:
        """One JSON-patch document for one work item (a create or an update); the saved item."""
        body = await self._call(
            method,
            url,
            params=flags,
            body=list(ops),
            content_type="application/json-patch+json",
            write=True,
            work_item=work_item,
        )
        return wire.live_item(body)

    async def delete_item(self, id: int, *, destroy: bool = False) -> None:
        """Move the item to the recycle bin (or destroy it for good)."""
        params = {"destroy": "true"} if destroy else None
        await self._call(
            "DELETE", self.url("workitems", segment(id)), params=params, write=True, work_item=id
        )

    async def batch(
        self, requests: Sequence[BatchRequest], *, suppress_notifications: bool = False
    ) -> list[BatchResult]:
        """Send up to 200 creates, updates and deletes in one `$batch`; one result per request, in
        order: the saved item (`Deleted` for a delete), or that request's own error (the others
        are saved regardless).

        Sub-requests the server did not process (answered 429 or 503) are sent again in a smaller
        `$batch`, with the transport's retry policy (Retry-After, backoff, attempts), as a single
        request would be; still refused after the last attempt, they are a TransientError.

        Raises BatchRefusedError when the server refused the batch while preparing it (its answer
        is then shorter than the request, and nothing was saved), and OutcomeUnknownError when
        the answer was lost: any part of the batch may have been saved. When that happens to a
        later send (of the retried sub-requests only), those requests each get that error as
        their result, and the others keep theirs."""
        if len(requests) > WRITE_BATCH_SIZE:
            raise ValueError(f"a $batch carries at most {WRITE_BATCH_SIZE} work items")
        if not requests:
            return []
        query = "?" + urlencode(
            {"api-version": self.api_version, **_write_flags(False, suppress_notifications)}
        )
        return await send_retrying(
            self.transport, requests, lambda part: self._send_batch(part, query)
        )

    async def _send_batch(self, requests: Sequence[BatchRequest], query: str) -> list[Answer]:
        subs = sub_requests(requests, self.project, query)
        what = batch_name(requests)
        body = await self._call("POST", self.url("$batch"), body=subs, write=True, work_item=what)
        return read_answers(self.transport, requests, body)


def _deleted_resource(body: JSON, id: int) -> LiveItem:
    """The work item inside a recycle-bin answer (`WorkItemDelete.resource`)."""
    resource = body.get("resource") if isinstance(body, Mapping) else None
    if not isinstance(resource, Mapping):
        raise WireFormatError(f"work item {id}: the recycle bin's answer has no work item")
    return wire.live_item(resource)


def _write_flags(validate_only: bool, suppress_notifications: bool) -> dict[str, str | int]:
    flags: dict[str, str | int] = {}
    if validate_only:
        flags["validateOnly"] = "true"
    if suppress_notifications:
        flags["suppressNotifications"] = "true"
    return flags

