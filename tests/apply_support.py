"""Helpers for the apply tests: an in-process board, hand-written manifests, plan+apply, counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import httpx

from witsync.ado.client import Client
from witsync.ado.transport import RetryPolicy
from witsync.applying.applier import apply_plan
from witsync.emulator import EmulatorOptions, asgi_transport, create_app
from witsync.engine import Options, plan_against, plan_within
from witsync.marker import marker_keys
from witsync.model import (
    Desired,
    DesiredItem,
    DesiredLink,
    FieldValue,
    LiveItem,
    Location,
    Plan,
    RemovalPolicy,
    Result,
)

ORG = "http://emulator.test/org"
PROJECT = "Proj"
SCOPE = "team"


def item(
    key: str,
    title: str | None = None,
    *,
    type: str = "User Story",
    parent: str | int | None = None,
    links: Iterable[tuple[str, str | int]] = (),
    adopt_id: int | None = None,
    **fields: FieldValue,
) -> DesiredItem:
    """A desired item; keyword fields use short names (`Priority=2` -> Microsoft.VSTS.Common...)."""
    refs: dict[str, FieldValue] = {"System.Title": title or key.title()}
    for name, value in fields.items():
        refs[SHORT_FIELDS.get(name, name)] = value
    return DesiredItem(
        key=key,
        type=type,
        fields=refs,
        location=Location("backlog.yaml", 1, 1),
        parent=parent,
        links=tuple(
            DesiredLink(rel, target, Location("backlog.yaml", 1, 1)) for rel, target in links
        ),
        adopt_id=adopt_id,
    )


SHORT_FIELDS = {
    "Priority": "Microsoft.VSTS.Common.Priority",
    "State": "System.State",
    "Description": "System.Description",
    "Tags": "System.Tags",
    "StoryPoints": "Microsoft.VSTS.Scheduling.StoryPoints",
}


def desired(*items: DesiredItem, scope: str = SCOPE) -> Desired:
    return Desired(
        scope=scope, items=tuple(items), files=("backlog.yaml",), digest="d", project=PROJECT
    )


@dataclass
class Board:
    """An in-process emulator and a client on it; `requests` logs every request the client sent."""

    app: object
    client: Client
    requests: list[httpx.Request] = field(default_factory=list)
    responses: list[httpx.Response] = field(default_factory=list)

    def set_options(self, options: EmulatorOptions) -> None:
        self.app.state.emulator.options = options  # type: ignore[attr-defined]

    def writes(self) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if r.method in {"POST", "PATCH", "DELETE"}
            and "/wiql" not in r.url.path
            and "workitemsbatch" not in r.url.path
        ]


def open_board(
    options: EmulatorOptions | None = None, *, db: str = ":memory:", sleep: bool = False
) -> Board:
    """A fresh board. Retries do not wait unless `sleep` (throttling tests need real time)."""
    app = create_app(db, projects=[PROJECT], options=options or EmulatorOptions())
    board = Board(app, None)  # type: ignore[arg-type]

    async def log_request(request: httpx.Request) -> None:
        board.requests.append(request)

    async def log_response(response: httpx.Response) -> None:
        board.responses.append(response)

    http = httpx.AsyncClient(
        transport=asgi_transport(app),
        event_hooks={"request": [log_request], "response": [log_response]},
    )

    async def no_sleep(_: float) -> None:
        return None

    retry = RetryPolicy(max_attempts=12, base_delay=0.01, max_delay=0.1)
    board.client = Client(
        http, ORG, PROJECT, retry=retry, max_concurrency=8, **({} if sleep else {"sleep": no_sleep})
    )
    return board


async def plan_for(
    board: Board,
    want: Desired,
    *,
    prune: bool = False,
    removal: RemovalPolicy = "close",
    process_check: bool = True,
) -> Plan:
    """The plan `witsync plan` makes (the engine's pipeline once the client is open). Without
    `process_check`, manifests the process check would refuse reach the server's own checks."""
    options = Options(org_url=ORG, prune=prune, removal=removal)
    if process_check:
        return await plan_against(board.client, want, options)
    return await plan_within(board.client, want, await board.client.get_process(), options)


async def plan_and_apply(board: Board, want: Desired, **kwargs: object) -> tuple[Plan, Result]:
    prune = bool(kwargs.pop("prune", False))
    removal: RemovalPolicy = kwargs.pop("removal", "close")  # type: ignore[assignment]
    process_check = bool(kwargs.pop("process_check", True))
    plan = await plan_for(board, want, prune=prune, removal=removal, process_check=process_check)
    result = await apply_plan(board.client, plan, **kwargs)  # type: ignore[arg-type]
    return plan, result


async def items_by_key(board: Board, scope: str = SCOPE) -> dict[str, list[int]]:
    """Every live item carrying a marker of `scope`, by key (a key with two ids is a duplicate)."""
    ids = await board.client.query_ids(
        "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"
        " ORDER BY [System.Id]"
    )
    found: dict[str, list[int]] = {}
    for live in await board.client.get_items(ids):
        for key in marker_keys(live, scope):
            found.setdefault(key, []).append(live.id)
    return found


async def live(board: Board, key: str) -> LiveItem:
    """The one live item of `key` (failing when there are none or two)."""
    ids = (await items_by_key(board))[key]
    assert len(ids) == 1, f"{key} has {len(ids)} items"
    found = await board.client.get_item(ids[0])
    assert found is not None
    return found


def outcomes(result: Result) -> Mapping[str, int]:
    return Counter(item.outcome for item in result.items)
