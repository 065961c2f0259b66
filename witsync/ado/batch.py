"""`$batch` requests and answers: sub-requests for creates, updates and deletes, one result each.

What travels is the client's to send (`Client.batch`); this module says what a `$batch` carries
and what its answer means: each sub-request's own saved item, deletion or error, or a refusal of
the whole batch before anything was saved (the answer is then shorter than the request). A
sub-request answered 429 or 503 was not processed: `send_retrying` sends those again.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx
import orjson

from witsync.ado import wire
from witsync.ado.failures import RETRYABLE_STATUSES
from witsync.ado.transport import Transport, parse_retry_after
from witsync.ado.urls import segment
from witsync.errors import BatchRefusedError, ServerError, WireFormatError
from witsync.model import JSON, LiveItem

WRITE_BATCH_SIZE = 200
"""The most work items one `$batch` request may carry (VS401397 above)."""


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


@dataclass(frozen=True)
class BatchDelete:
    """One delete in a `$batch`: item `id` to the recycle bin."""

    id: int


@dataclass(frozen=True)
class Deleted:
    """The answer to a BatchDelete that was saved: the item is in the recycle bin."""

    id: int


BatchRequest = BatchCreate | BatchUpdate | BatchDelete
BatchResult = LiveItem | Deleted | ServerError
"""One sub-request's outcome: the item as saved, its deletion, or its own error."""


@dataclass(frozen=True)
class Answer:
    """One sub-request's answer. `again`: the server did not process it (429, 503), so it may be
    sent again, after `retry_after` seconds when the server said."""

    result: BatchResult
    again: bool = False
    retry_after: float | None = None


def sub_requests(
    requests: Sequence[BatchRequest], project: str, query: str
) -> list[dict[str, JSON]]:
    """The `$batch` body: one sub-request each, `query` (`?api-version=...`) on every URI."""
    temp_ids = itertools.count(-1, -1)
    subs: list[dict[str, JSON]] = []
    for request in requests:
        if isinstance(request, BatchDelete):
            uri = f"/_apis/wit/workitems/{segment(request.id)}{query}"
            subs.append({"method": "DELETE", "uri": uri})
            continue
        ops: list[JSON]
        if isinstance(request, BatchCreate):
            path = f"/{segment(project)}/_apis/wit/workitems/${segment(request.type)}"
            # a unique temporary id each: two creates without one collide at -1 (VS403357)
            ops = [{"op": "add", "path": "/id", "value": next(temp_ids)}, *request.ops]
        else:
            path = f"/_apis/wit/workitems/{segment(request.id)}"
            ops = list(request.ops)
        subs.append(
            {
                "method": "PATCH",  # every work item sub-request is a PATCH, a create included
                "uri": path + query,
                "headers": {"Content-Type": "application/json-patch+json"},
                "body": ops,
            }
        )
    return subs


def read_answers(
    transport: Transport, requests: Sequence[BatchRequest], body: JSON
) -> list[Answer]:
    """One answer per request, in order, from the `$batch` answer `body`; raises
    BatchRefusedError when the server refused the batch while preparing it."""
    what = batch_name(requests)
    answers = wire.values(body, "$batch")
    if len(answers) < len(requests):
        # the answers are for the refused requests only, and do not say which those are
        errors = [_result(transport, answer, None).result for answer in answers]
        raise _refused(what, [error for error in errors if isinstance(error, ServerError)])
    if len(answers) > len(requests):
        raise WireFormatError(f"{what}: {len(answers)} answers for {len(requests)} requests")
    pairs = zip(requests, answers, strict=True)
    return [_result(transport, answer, request) for request, answer in pairs]


async def send_retrying(
    transport: Transport,
    requests: Sequence[BatchRequest],
    send: Callable[[Sequence[BatchRequest]], Awaitable[list[Answer]]],
) -> list[BatchResult]:
    """Send `requests` as one `$batch` (`send`), then those answered 429 or 503 again, in smaller
    batches, with the transport's retry policy (the server's Retry-After, which holds every next
    request, else backoff; at most `max_attempts` sends), as a single request is retried. One
    result per request: the last answer each got.

    An error of the first send is raised (BatchRefusedError, OutcomeUnknownError...); an error of
    a later send is the result of each request in it (the others keep their answers)."""
    results: list[BatchResult] = []
    pending = list(range(len(requests)))
    attempt = 0
    while True:
        attempt += 1
        sending = [requests[index] for index in pending]
        try:
            answers = await send(sending)
        except ServerError as error:
            if attempt == 1:
                raise
            for index in pending:
                results[index] = error
            return results
        if attempt == 1:
            results = [answer.result for answer in answers]
        again = []
        for index, answer in zip(pending, answers, strict=True):
            results[index] = answer.result
            if answer.again:
                again.append((index, answer))
        if not again or attempt >= transport.retry.max_attempts:
            return results
        waits = [answer.retry_after for _, answer in again if answer.retry_after is not None]
        retry_after = max(waits, default=None)
        if retry_after is not None:
            transport.pacer.hold(min(retry_after, transport.retry.max_retry_after))
        statuses = sorted(
            {str(a.result.status) for _, a in again if isinstance(a.result, ServerError)}
        )
        await transport.wait_to_retry(
            f"{len(again)} of {batch_name(sending)}",
            f"HTTP {', '.join(statuses)}",
            attempt,
            retry_after,
        )
        pending = [index for index, _ in again]


def batch_name(requests: Sequence[BatchRequest]) -> str:
    """How errors name a batch: `$batch of 12`."""
    return f"$batch of {len(requests)}"


def _result(transport: Transport, answer: JSON, request: BatchRequest | None) -> Answer:
    """One sub-request's answer: `body` is the JSON text of what the single call answers."""
    code = answer.get("code") if isinstance(answer, Mapping) else None
    raw = answer.get("body") if isinstance(answer, Mapping) else None
    text = raw if isinstance(raw, str) else ("" if raw is None else json.dumps(raw))
    status = code if isinstance(code, int) and code > 0 else 500
    work_item = _work_item(request) if request is not None else None
    if 200 <= status < 300 and status != 203 and request is not None:
        # the common case, read straight (an error goes through the transport's check below)
        if isinstance(request, BatchDelete):
            return Answer(Deleted(request.id))
        try:
            # orjson: one answer body each, 100,000 of them in a large apply
            return Answer(wire.live_item(orjson.loads(text)))
        except ServerError as error:
            return Answer(error)
        except ValueError:
            pass  # not JSON: said below
    headers = _headers(answer)
    response = httpx.Response(
        status, content=text.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        # through the transport's check, so that a token quoted back here is masked too
        transport.check(response, work_item=work_item)
        if isinstance(request, BatchDelete):
            return Answer(Deleted(request.id))
        return Answer(wire.live_item(json.loads(text)))
    except ServerError as error:
        if status in RETRYABLE_STATUSES:
            retry_after = parse_retry_after(headers.get("retry-after"), time.time())
            return Answer(error, again=True, retry_after=retry_after)
        return Answer(error)
    except ValueError:
        where = f"work item {work_item}: " if work_item is not None else ""
        return Answer(WireFormatError(f"{where}the batch answer is not JSON", status=status))


def _headers(answer: JSON) -> dict[str, str]:
    """A sub-request's headers, by lower-case name."""
    headers = answer.get("headers") if isinstance(answer, Mapping) else None
    if not isinstance(headers, Mapping):
        return {}
    return {str(name).lower(): str(value) for name, value in headers.items()}


def _work_item(request: BatchRequest) -> int | str:
    """How errors name the item a batch request is about: its id, or "new Task"."""
    return f"new {request.type}" if isinstance(request, BatchCreate) else request.id


def _refused(what: str, errors: Sequence[ServerError]) -> BatchRefusedError:
    reason = errors[0].message if errors else "no reason given"
    if len(errors) > 1:
        reason += f" (and {len(errors) - 1} more)"
    return BatchRefusedError(
        f"{what}: refused before anything was saved: {reason}",
        errors=errors,
        hint="nothing in the batch was saved; each item sent alone gets its own answer",
    )
