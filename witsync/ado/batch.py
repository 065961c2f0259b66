"""`$batch` requests and answers: the sub-requests for creates and updates, one result each back.

What travels is the client's to send (`Client.batch`); this module says what a `$batch` carries
and what its answer means: each sub-request's own saved item or error, or a refusal of the whole
batch before anything was saved (the answer is then shorter than the request).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from witsync.ado import wire
from witsync.ado.transport import Transport
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


BatchRequest = BatchCreate | BatchUpdate


def sub_requests(
    requests: Sequence[BatchRequest], project: str, query: str
) -> list[dict[str, JSON]]:
    """The `$batch` body: one PATCH sub-request each, `query` (`?api-version=...`) on every URI."""
    temp_ids = itertools.count(-1, -1)
    subs: list[dict[str, JSON]] = []
    for request in requests:
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
) -> list[LiveItem | ServerError]:
    """One result per request, in order, from the `$batch` answer `body`; raises
    BatchRefusedError when the server refused the batch while preparing it."""
    what = batch_name(requests)
    answers = wire.values(body, "$batch")
    if len(answers) < len(requests):
        # the answers are for the refused requests only, and do not say which those are
        errors = [_result(transport, answer, None) for answer in answers]
        raise _refused(what, [error for error in errors if isinstance(error, ServerError)])
    if len(answers) > len(requests):
        raise WireFormatError(f"{what}: {len(answers)} answers for {len(requests)} requests")
    return [
        _result(transport, answer, _work_item(request))
        for request, answer in zip(requests, answers, strict=True)
    ]


def batch_name(requests: Sequence[BatchRequest]) -> str:
    """How errors name a batch: `$batch of 12`."""
    return f"$batch of {len(requests)}"


def _result(
    transport: Transport, answer: JSON, work_item: int | str | None
) -> LiveItem | ServerError:
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
        transport.check(response, work_item=work_item)
        return wire.live_item(json.loads(text))
    except ServerError as error:
        return error
    except ValueError:
        where = f"work item {work_item}: " if work_item is not None else ""
        return WireFormatError(f"{where}the batch answer is not JSON", status=status)


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
