"""What apply will do (the output of plan, the input of render and apply) and what it did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from witsync.model.live import FieldEdit
from witsync.model.vocabulary import JSON, Location, Ownership


@dataclass(frozen=True)
class RateLimitUse:
    """What the server's X-RateLimit-* headers said during a run. Azure DevOps sends them once a
    user's usage nears its limit (200 TSTUs in any sliding 5 minutes), so their absence means
    the run stayed well below it."""

    limit: float
    """TSTUs allowed in the window (X-RateLimit-Limit)."""
    remaining_first: float
    """X-RateLimit-Remaining on the first answer that carried it."""
    remaining_last: float
    """X-RateLimit-Remaining on the last answer that carried it."""
    answers: int
    """How many answers carried the headers (the first one's cost is not in `used`)."""
    delayed_s: float = 0.0
    """Seconds the server held requests back (the sum of X-RateLimit-Delay)."""

    @property
    def used(self) -> float:
        """TSTUs the run used between the first and the last reading (others' use in the same
        window, and usage ageing out of it, blur this: an estimate)."""
        return max(0.0, self.remaining_first - self.remaining_last)


@dataclass(frozen=True)
class RequestBudget:
    """What reading the board cost the organization: requests sent, retries included, and the
    rate-limit use the server reported while they ran."""

    requests: int
    rate_limit: RateLimitUse | None = None


@dataclass(frozen=True)
class Target:
    """Where a plan applies. A plan made for one target is refused by another."""

    org_url: str
    project: str
    scope: str


@dataclass(frozen=True)
class PatchOp:
    """One JSON-patch operation, exactly as it will be sent.

    Two annotations let a plan name things that do not exist yet or may have moved:
    `target` is the key of an item created earlier in the same apply, whose work item URL goes
    into `value["url"]` once its id is known; `relation` is the `(rel, url)` of the relation a
    `remove /relations/{index}` deletes, so the index can be checked against the live list.
    `target_id` is the id of an existing work item (e.g. `parent: 42`) whose URL the pure planner
    cannot know: the applier fills `value["url"]` with `client.work_item_url(target_id)`.
    """

    op: Literal["add", "replace", "remove", "test"]
    path: str
    value: JSON = None
    target: str | None = None
    relation: tuple[str, str] | None = None
    target_id: int | None = None

    def as_sent(self, url: str | None = None) -> dict[str, JSON]:
        """The JSON-patch operation on the wire, without the annotations; `url` (the work item
        URL of `target` or `target_id`, once known) goes into the link's `value["url"]`."""
        sent: dict[str, JSON] = {"op": self.op, "path": self.path}
        if self.op != "remove":
            sent["value"] = self.value if url is None else {**(self.value or {}), "url": url}
        return sent


@dataclass(frozen=True)
class Step:
    """One write request. `create` posts a new item of the action's type; `update` patches it
    (guarded by `test /rev`); `delete` sends it to the recycle bin; `restore` brings it back
    from there."""

    kind: Literal["create", "update", "delete", "restore"]
    ops: tuple[PatchOp, ...]
    note: str | None = None


@dataclass(frozen=True)
class FieldChange:
    field: str
    """Reference name."""
    before: JSON
    """Live value normalised for display; None when empty or for a new item."""
    after: JSON
    """Desired value; None clears the field."""
    mode: Ownership = "managed"
    last_edit: FieldEdit | None = None
    """Who last changed the field on the board, when it drifted from the manifest."""

    @property
    def drift(self) -> bool:
        """A person changed the field on the board since witsync wrote it; the plan puts the
        manifest's value back (False: the change comes from the manifests)."""
        return self.last_edit is not None and self.last_edit.drift


@dataclass(frozen=True)
class LinkChange:
    op: Literal["add", "remove"]
    rel: str
    target_key: str | None
    target_id: int | None
    last_edit: FieldEdit | None = None
    """Who last removed (for an add) or added (for a remove) the link on the board, when known."""

    @property
    def drift(self) -> bool:
        """A person changed the link on the board; the plan puts it back as the manifests say."""
        return self.last_edit is not None and self.last_edit.drift


ActionKind = Literal["create", "update", "adopt", "remove", "reopen", "restore", "rekey"]
"""What happens to an item. `reopen`, `restore` and `rekey` are updates of an item that comes
back: closed by prune (moved out of its closed state), deleted on the board (brought back from
the recycle bin), or under a key it had before (`previousKeys`: its marker is rewritten)."""
UPDATE_KINDS: frozenset[str] = frozenset({"update", "adopt", "reopen", "rekey"})
"""The kinds that patch an existing item's fields and links (a restore does after its restore)."""
RemovalPolicy = Literal["close", "delete", "unmanage"]


@dataclass(frozen=True)
class Action:
    """Everything that happens to one work item, in the order its steps must be sent."""

    kind: ActionKind
    key: str
    type: str
    title: str
    id: int | None
    """None for a create."""
    rev: int | None
    """The rev the action was planned against (None for a create)."""
    steps: tuple[Step, ...]
    field_changes: tuple[FieldChange, ...] = ()
    link_changes: tuple[LinkChange, ...] = ()
    depends_on: tuple[str, ...] = ()
    """Keys whose actions must finish first (a parent to create, a link target to create)."""
    notes: tuple[str, ...] = ()
    location: Location | None = None
    previous_key: str | None = None
    """For a `rekey`: the key the work item carries on the board now."""


@dataclass(frozen=True)
class PlanWarning:
    code: str
    """A stable identifier: unmanaged-missing, marker-without-key, duplicate-key, ..."""
    message: str
    key: str | None = None
    id: int | None = None
    location: Location | None = None
    severity: Literal["warning", "error"] = "warning"
    """An error (two work items for one key) makes the plan fail and blocks apply."""


@dataclass(frozen=True)
class PlanItem:
    """One work item of the set as the plan leaves it, changed or not: the tree a reviewer sees
    (the HTML plan draws it; actions say only what changes)."""

    key: str
    type: str
    title: str
    id: int | None = None
    """None: the plan creates it."""
    parent: str | int | None = None
    """Its parent after the plan: the key of an item of the plan, the id of a work item outside
    the set, or None (a top item)."""
    state: str | None = None
    """Its state after the plan, when known."""
    location: Location | None = None
    """Its manifest entry; None for an item the plan removes."""

    @classmethod
    def of_action(
        cls,
        action: Action,
        parent: str | int | None,
        *,
        state: str | None = None,
        location: Location | None = None,
    ) -> PlanItem:
        """The item `action` acts on, placed under `parent`."""
        return cls(action.key, action.type, action.title, action.id, parent, state, location)


@dataclass(frozen=True)
class ClosedItem:
    """A managed item that left the manifests and is closed already: shown and counted as
    closed, neither changed nor unchanged."""

    key: str
    id: int
    type: str
    title: str
    state: str


@dataclass(frozen=True)
class Plan:
    target: Target
    actions: tuple[Action, ...]
    """In apply order: parents before children, removals children first."""
    unchanged: int
    warnings: tuple[PlanWarning, ...] = ()
    manifest_digest: str = ""
    prune: bool = False
    removal_policy: RemovalPolicy = "close"
    known_max_id: int = 0
    """The highest id of the managed set when planned: an item created on the board since then
    has a higher id, so apply finds what appeared after the plan with one cheap query."""
    board: str | None = field(default=None, compare=False)
    """The local board file the plan was made against, so that the library's `apply` writes
    there too (None: an organization's plan, or one read back from a plan file, which never
    holds a path); not part of a plan's value."""
    items: tuple[PlanItem, ...] = ()
    """Every item of the set as the plan leaves it, changed or not, in manifest order, then each
    item the plan removes: the whole tree, for views that draw it (`--format html`). Empty in a
    plan file written before it existed (the views then draw the changed items only)."""
    closed: tuple[ClosedItem, ...] = ()
    """Managed items that left the manifests and are closed already (not counted unchanged)."""
    markdown: bool = False
    """Multi-line text values are Markdown, to be written with api-version 7.2's
    `multilineFieldsFormat` (witsync.yaml `markdown: native`): apply writes them so, whatever
    its own settings say."""
    budget: RequestBudget | None = field(default=None, compare=False)
    """What planning cost in requests (and rate limit, when the server said): so a team knows
    what a nightly run costs before it runs one. None for a plan made without a server."""

    @property
    def has_changes(self) -> bool:
        return bool(self.actions)

    def is_empty(self) -> bool:
        """Nothing to apply and nothing blocking it: the board matches the manifests."""
        return not self.actions and not self.errors

    @property
    def errors(self) -> tuple[PlanWarning, ...]:
        """Problems on the board that no apply may proceed past (e.g. duplicate keys)."""
        return tuple(warning for warning in self.warnings if warning.severity == "error")

    def count(self, kind: ActionKind) -> int:
        return sum(1 for action in self.actions if action.kind == kind)



Outcome = Literal["applied", "conflict", "failed", "skipped"]


@dataclass(frozen=True)
class ItemResult:
    key: str
    action: ActionKind
    outcome: Outcome
    id: int | None = None
    message: str | None = None


@dataclass(frozen=True)
class Result:
    items: tuple[ItemResult, ...]

    @property
    def ok(self) -> bool:
        return all(item.outcome == "applied" for item in self.items)
