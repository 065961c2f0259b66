"""The Azure DevOps work item client: the REST calls witsync makes, as typed async methods.

It works the same against dev.azure.com, an Azure DevOps Server collection URL and the emulator,
in-process or over a socket: URLs are built by appending quoted path segments to the
organization URL, never by taking it apart. How requests travel (token, retries, throttling,
concurrency) is `witsync.ado.transport`; what answers mean is `witsync.ado.wire` and
`witsync.ado.failures`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import quote, urlencode

import httpx

from witsync.ado import wire
from witsync.ado.transport import RetryPolicy, Sleep, Token, Transport, gather_all, token_from_env
from witsync.ado.wiql import FlatQuery, parse_flat
from witsync.errors import (
    BatchRefusedError,
    ConfigError,
    NotFoundError,
    ServerError,
    WireFormatError,
)
from witsync.model import JSON, LiveItem, Process

__all__ = [
    "BATCH_SIZE",
    "WRITE_BATCH_SIZE",
    "BatchCreate",
    "BatchUpdate",
    "Client",
    "Token",
    "token_from_env",
]

API_VERSION = "7.1"
BATCH_SIZE = 200
"""The most ids one workitemsbatch request may carry (VS403474 above)."""
WRITE_BATCH_SIZE = 200
"""The most work items one `$batch` request may carry (VS401397 above)."""
WIQL_PAGE = 19_999
"""Below the 20,000 cap: the server then truncates silently instead of failing (VS402337)."""
UPDATES_PAGE = 200
CLASSIFICATION_DEPTH = 30


def _segment(value: str | int) -> str:
    """One path segment, percent-encoded so that a project called `a/b?c` stays one segment."""
    return quote(str(value), safe="")


_USERINFO = re.compile(r"(?<=//)[^/?#]*@")
ORG_URL_HINT = (
    "use e.g. https://dev.azure.com/fabrikam or https://tfs.example.com/tfs/DefaultCollection"
)


def display_url(org_url: str) -> str:
    """`org_url` fit to show: any user name or token pasted into it is masked."""
    return _USERINFO.sub("***@", org_url.strip())


def parse_org_url(org_url: str) -> httpx.URL:
    """The organization (or collection) URL, checked, without query or fragment."""
    shown = display_url(org_url)
    try:
        url = httpx.URL(org_url.strip())
    except httpx.InvalidURL:
        raise ConfigError(f"not a valid organization URL: {shown!r}", hint=ORG_URL_HINT) from None
    if url.userinfo:
        raise ConfigError(
            f"the organization URL must not hold a user name or token: {shown!r}",
            hint="put the token in AZURE_DEVOPS_EXT_PAT (or SYSTEM_ACCESSTOKEN) instead",
        )
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"not a valid organization URL: {shown!r}", hint=ORG_URL_HINT)
    return url.copy_with(query=None, fragment=None)


@dataclass(frozen=True)
class BatchCreate:
    """One create in a `$batch`: a new work item of `type` from the JSON-patch `ops`."""

    type: str
    ops: Sequence[Mapping[str, JSON]]


@dataclass(frozen=True)
class BatchUpdate:
    """One update in a `$batch`: the JSON-patch `ops` for item `id` (start with `test /rev`)."""

    id: int
    ops: Sequence[Mapping[str, JSON]]


BatchRequest = BatchCreate | BatchUpdate


class Client:
    """Reads and writes work items of one project. Use as `async with Client(...) as client:`."""

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

    @property
    def request_count(self) -> int:
        """Every HTTP request sent so far, retries included (for benchmarks and tests)."""
        return self.transport.request_count

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
        parts = [_segment(self.project)] if project else []
        parts += ["_apis", "wit", *segments]
        base = self.org_url.raw_path.rstrip(b"/")
        return self.org_url.copy_with(raw_path=base + b"/" + "/".join(parts).encode("ascii"))

    def work_item_url(self, id: int) -> str:
        """The absolute URL to put in a relation's `url` (the server reads the id off its end)."""
        return str(self.url("workItems", _segment(id)))

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
        query: dict[str, str | int] = {"api-version": API_VERSION, **(params or {})}
        headers = {"Accept": "application/json"}
        content = None
        if body is not None:
            content = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        request = self.transport.http.build_request(
            method, url, params=query, headers=headers, content=content
        )
        response = await self.transport.send(request, write=write, work_item=work_item)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
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
                self._call("GET", self.url("workitemtypes", _segment(name), "states", project=True))
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

    async def get_items(self, ids: Iterable[int]) -> list[LiveItem]:
        """The items with their relations, in the order asked, read 200 at a time concurrently;
        ids that do not exist (or are not readable) are left out."""
        unique = list(dict.fromkeys(ids))
        chunks = [unique[i : i + BATCH_SIZE] for i in range(0, len(unique), BATCH_SIZE)]
        bodies = await gather_all(*(self._read_batch(chunk) for chunk in chunks))
        return [
            wire.live_item(entry)
            for body in bodies
            for entry in wire.values(body, "workitemsbatch")
            if entry
        ]

    async def _read_batch(self, ids: Sequence[int]) -> JSON:
        body = {"ids": list(ids), "$expand": "relations", "errorPolicy": "omit"}
        return await self._call("POST", self.url("workitemsbatch"), body=body)

    async def get_item(self, id: int) -> LiveItem | None:
        """One item with its relations, or None if it does not exist (or is in the recycle bin)."""
        try:
            body = await self._call(
                "GET",
                self.url("workitems", _segment(id)),
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
                self.url("workItems", _segment(id), "updates"),
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
        url = self.url("workitems", "$" + _segment(type), project=True)
        body = await self._call(
            "POST",
            url,
            params=_write_flags(validate_only, suppress_notifications),
            body=list(ops),
            content_type="application/json-patch+json",
            write=True,
            work_item=f"new {type}",
        )
        return wire.live_item(body)

    async def update_item(
        self,
        id: int,
        ops: Sequence[Mapping[str, JSON]],
        *,
        validate_only: bool = False,
        suppress_notifications: bool = False,
    ) -> LiveItem:
        """PATCH item `id` with the JSON-patch `ops` (start with `test /rev` to guard the write)."""
        body = await self._call(
            "PATCH",
            self.url("workitems", _segment(id)),
            params=_write_flags(validate_only, suppress_notifications),
            body=list(ops),
            content_type="application/json-patch+json",
            write=True,
            work_item=id,
        )
        return wire.live_item(body)

    async def delete_item(self, id: int, *, destroy: bool = False) -> None:
        """Move the item to the recycle bin (or destroy it for good)."""
        params = {"destroy": "true"} if destroy else None
        await self._call(
            "DELETE", self.url("workitems", _segment(id)), params=params, write=True, work_item=id
        )

    async def batch(
        self, requests: Sequence[BatchRequest], *, suppress_notifications: bool = False
    ) -> list[LiveItem | ServerError]:
        """Send up to 200 creates and updates in one `$batch`; one result per request, in order:
        the saved item, or that request's own error (the others are saved regardless).

        Raises BatchRefusedError when the server refused the batch while preparing it (its answer
        is then shorter than the request, and nothing was saved), and OutcomeUnknownError when
        the answer was lost: any part of the batch may have been saved."""
        if len(requests) > WRITE_BATCH_SIZE:
            raise ValueError(f"a $batch carries at most {WRITE_BATCH_SIZE} work items")
        if not requests:
            return []
        query = "?" + urlencode(
            {"api-version": API_VERSION, **_write_flags(False, suppress_notifications)}
        )
        temp_ids = itertools.count(-1, -1)
        subs = [self._sub_request(request, query, temp_ids) for request in requests]
        what = f"$batch of {len(requests)}"
        body = await self._call("POST", self.url("$batch"), body=subs, write=True, work_item=what)
        answers = wire.values(body, "$batch")
        if len(answers) < len(requests):
            # the answers are for the refused requests only, and do not say which those are
            errors = [self._batch_result(answer, None) for answer in answers]
            raise _refused(what, [error for error in errors if isinstance(error, ServerError)])
        if len(answers) > len(requests):
            raise WireFormatError(
                f"{what}: {len(answers)} answers for {len(requests)} requests"
            )
        return [
            self._batch_result(answer, _batch_work_item(request))
            for request, answer in zip(requests, answers, strict=True)
        ]

    def _sub_request(
        self, request: BatchRequest, query: str, temp_ids: Iterator[int]
    ) -> dict[str, JSON]:
        ops: list[JSON]
        if isinstance(request, BatchCreate):
            path = f"/{_segment(self.project)}/_apis/wit/workitems/${_segment(request.type)}"
            # a unique temporary id each: two creates without one collide at -1 (VS403357)
            ops = [{"op": "add", "path": "/id", "value": next(temp_ids)}, *request.ops]
        else:
            path = f"/_apis/wit/workitems/{_segment(request.id)}"
            ops = list(request.ops)
        return {
            "method": "PATCH",  # every work item sub-request is a PATCH, a create included
            "uri": path + query,
            "headers": {"Content-Type": "application/json-patch+json"},
            "body": ops,
        }

    def _batch_result(self, answer: JSON, work_item: int | str | None) -> LiveItem | ServerError:
        """One sub-request's answer: `body` is the JSON text of what the single call answers."""
        code = answer.get("code") if isinstance(answer, Mapping) else None
        raw = answer.get("body") if isinstance(answer, Mapping) else None
        text = raw if isinstance(raw, str) else json.dumps(raw)
        status = code if isinstance(code, int) and code > 0 else 500
        response = httpx.Response(
            status, content=text.encode(), headers={"Content-Type": "application/json"}
        )
        try:
            # through the transport's check, so that a token quoted back here is masked too
            self.transport.check(response, work_item=work_item)
            return wire.live_item(json.loads(text))
        except ServerError as error:
            return error
        except ValueError:
            where = f"work item {work_item}: " if work_item is not None else ""
            return WireFormatError(f"{where}the batch answer is not JSON", status=status)


def _batch_work_item(request: BatchRequest) -> int | str:
    """How errors name the item a batch request is about: its id, or "new Task"."""
    return f"new {request.type}" if isinstance(request, BatchCreate) else request.id


def _write_flags(validate_only: bool, suppress_notifications: bool) -> dict[str, str | int]:
    flags: dict[str, str | int] = {}
    if validate_only:
        flags["validateOnly"] = "true"
    if suppress_notifications:
        flags["suppressNotifications"] = "true"
    return flags


def _refused(what: str, errors: Sequence[ServerError]) -> BatchRefusedError:
    reason = errors[0].message if errors else "no reason given"
    if len(errors) > 1:
        reason += f" (and {len(errors) - 1} more)"
    return BatchRefusedError(
        f"{what}: refused before anything was saved: {reason}",
        errors=errors,
        hint="nothing in the batch was saved; each item sent alone gets its own answer",
    )
