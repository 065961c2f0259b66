"""Builders for planner tests: a small Agile-like process, desired items, and a board double.

`Board` plays a server for the pure planner's property tests: it applies a plan's steps with
the rewrites a real server makes (tags re-sorted, identities as objects, HTML re-serialised,
numbers as floats, paths in the tree's spelling, dates as UTC `Z`, reciprocal links) and hands
back the `Live` the next fetch would see. Round-trips through the real emulator live in
tests that need it; this double keeps the property tests fast and server-independent.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from witsync.marker import marker_url, scope_tag
from witsync.model import (
    OPPOSITE_REL,
    REL_HYPERLINK,
    Desired,
    DesiredItem,
    DesiredLink,
    FieldInfo,
    Live,
    LiveItem,
    LiveRelation,
    Location,
    Plan,
    Process,
    StateInfo,
    Target,
    TypeInfo,
)

TARGET = Target("http://local-board/local", "Fabrikam", "web")
ORG = "http://local-board/local/Fabrikam/_apis/wit/workItems"

_FIELDS = [
    FieldInfo("System.Title", "Title", "string"),
    FieldInfo("System.Description", "Description", "html"),
    FieldInfo("System.Tags", "Tags", "plainText"),
    FieldInfo("System.State", "State", "string"),
    FieldInfo("System.Reason", "Reason", "string"),
    FieldInfo("System.AssignedTo", "Assigned To", "identity", is_identity=True),
    FieldInfo("System.AreaPath", "Area Path", "treePath"),
    FieldInfo("System.IterationPath", "Iteration Path", "treePath"),
    FieldInfo("Microsoft.VSTS.Common.Priority", "Priority", "integer"),
    FieldInfo("Microsoft.VSTS.Scheduling.RemainingWork", "Remaining Work", "double"),
    FieldInfo("Microsoft.VSTS.Scheduling.DueDate", "Due Date", "dateTime"),
    FieldInfo("Custom.Flag", "Flag", "boolean"),
    FieldInfo("Custom.Risk", "Risk", "string"),
]


def _states(*pairs: tuple[str, str]) -> tuple[StateInfo, ...]:
    return tuple(StateInfo(name, category) for name, category in pairs)


_AGILE = _states(
    ("New", "Proposed"),
    ("Active", "InProgress"),
    ("Resolved", "Resolved"),
    ("Closed", "Completed"),
    ("Removed", "Removed"),
)
_TASK = _states(("New", "Proposed"), ("Active", "InProgress"), ("Closed", "Completed"))


def process() -> Process:
    names = frozenset(f.reference_name for f in _FIELDS)
    types = {
        name: TypeInfo(name, "New", states, names)
        for name, states in [
            ("Epic", _AGILE),
            ("Feature", _AGILE),
            ("User Story", _AGILE),
            ("Task", _TASK),
            ("Bug", _AGILE),
        ]
    }
    return Process(
        types=types,
        fields={f.reference_name: f for f in _FIELDS},
        area_paths=frozenset({"Fabrikam", "Fabrikam\\Web", "Fabrikam\\Mobile"}),
        iteration_paths=frozenset({"Fabrikam", "Fabrikam\\Sprint 1", "Fabrikam\\Sprint 2"}),
    )


def item(
    key: str,
    type: str = "Task",
    *,
    parent: str | int | None = None,
    links: tuple[tuple[str, str | int], ...] = (),
    adopt_id: int | None = None,
    ownership: Mapping[str, Any] | None = None,
    line: int = 1,
    exact_tags: bool = False,
    **fields: Any,
) -> DesiredItem:
    """A desired item; field keyword names use `__` for dots (System__Title) or short names."""
    short = {
        "title": "System.Title",
        "description": "System.Description",
        "tags": "System.Tags",
        "state": "System.State",
        "reason": "System.Reason",
        "assigned": "System.AssignedTo",
        "area": "System.AreaPath",
        "iteration": "System.IterationPath",
        "priority": "Microsoft.VSTS.Common.Priority",
        "remaining": "Microsoft.VSTS.Scheduling.RemainingWork",
        "due": "Microsoft.VSTS.Scheduling.DueDate",
        "flag": "Custom.Flag",
        "risk": "Custom.Risk",
    }
    resolved = {short.get(name, name.replace("__", ".")): value for name, value in fields.items()}
    resolved.setdefault("System.Title", f"Title of {key}")
    where = Location("backlog.yaml", line, 3)
    return DesiredItem(
        key=key,
        type=type,
        fields=resolved,
        location=where,
        parent=parent,
        links=tuple(DesiredLink(rel, target, where) for rel, target in links),
        adopt_id=adopt_id,
        ownership=dict(ownership or {}),
        exact_tags=exact_tags,
    )


def desired(*items: DesiredItem, scope: str = "web") -> Desired:
    return Desired(scope=scope, items=tuple(items), files=("backlog.yaml",), digest="sha256:test")


# ---------------------------------------------------------------------------------------------
# A board double


_CANONICAL_PATHS = {p.casefold(): p for p in process().area_paths | process().iteration_paths}


def _store_identity(value: Any) -> Any:
    if value in (None, ""):
        return None
    text = str(value)
    match = re.search(r"<([^>]+)>", text)
    email = (
        match.group(1)
        if match
        else text
        if "@" in text
        else f"{text.lower().replace(' ', '.')}@fabrikam.com"
    )
    name = (
        text.split("<")[0].strip() if match else text.split("@")[0].title() if "@" in text else text
    )
    return {
        "displayName": name,
        "uniqueName": email,
        "id": f"id-{email}",
        "descriptor": f"aad.{email}",
    }


def _store_html(value: str) -> str:
    """A sanitiser in spirit: attributes re-quoted and re-ordered, void elements self-closed,
    whitespace between block elements re-flowed, scripts dropped."""
    value = re.sub(r"<script.*?</script>", "", value, flags=re.DOTALL | re.IGNORECASE)
    value = re.sub(r"<br\s*/?>", "<br/>", value)
    value = re.sub(r">\s+<", "><", value)
    return value.replace("</p><", "</p>\n<")


def _store(ref: str, value: Any) -> Any:
    kind = {f.reference_name: f.type for f in _FIELDS}.get(ref, "string")
    if value is None or value == "":
        return None
    if ref == "System.Tags":
        tags: dict[str, str] = {}
        for tag in re.split(r"[;,]", str(value)):
            if tag.strip():
                tags.setdefault(tag.strip().casefold(), tag.strip())
        return "; ".join(sorted(tags.values(), key=str.casefold)) or None
    if kind == "identity":
        return _store_identity(value)
    if kind == "html":
        return _store_html(str(value))
    if kind in ("integer", "double"):
        return float(value)
    if kind == "treePath":
        return _CANONICAL_PATHS.get(str(value).casefold(), str(value))
    if kind == "dateTime":
        moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


@dataclass
class _Stored:
    id: int
    type: str
    rev: int
    fields: dict[str, Any]
    relations: list[tuple[str, str, int | None]] = field(default_factory=list)


class Board:
    """Holds work items, applies plan steps as a server would, and reads back a `Live`."""

    def __init__(self, scope: str = "web") -> None:
        self.scope = scope
        self.items: dict[int, _Stored] = {}
        self.next_id = 100
        self.writes = 0

    def url(self, id: int) -> str:
        return f"{ORG}/{id}"

    def add(
        self,
        type: str,
        fields: Mapping[str, Any],
        *,
        key: str | None = None,
        tags: str | None = None,
    ) -> int:
        """An item put on the board by a person (or by an earlier witsync run, given `key`)."""
        id = self.next_id
        self.next_id += 1
        stored = {ref: _store(ref, value) for ref, value in fields.items()}
        stored.setdefault("System.State", "New")
        if key is not None:
            tags = "; ".join(filter(None, [tags, scope_tag(self.scope)]))
        if tags:
            stored["System.Tags"] = _store("System.Tags", tags)
        self.items[id] = _Stored(id, type, 1, {k: v for k, v in stored.items() if v is not None})
        if key is not None:
            self.items[id].relations.append((REL_HYPERLINK, marker_url(self.scope, key), None))
        return id

    def link(self, source: int, rel: str, target: int) -> None:
        self.items[source].relations.insert(0, (rel, self.url(target), target))
        self.items[target].relations.insert(0, (OPPOSITE_REL[rel], self.url(source), source))

    def edit(self, id: int, ref: str, value: Any) -> None:
        """A person's edit in the web UI."""
        stored = self.items[id]
        stored.fields[ref] = _store(ref, value)
        if stored.fields[ref] is None:
            del stored.fields[ref]
        stored.rev += 1

    def live(self) -> Live:
        tag = scope_tag(self.scope).casefold()
        items = {}
        managed = set()
        for id, stored in self.items.items():
            fields = {"System.Id": id, "System.WorkItemType": stored.type, **stored.fields}
            relations = tuple(
                LiveRelation(rel, url, {}, target) for rel, url, target in stored.relations
            )
            items[id] = LiveItem(id, stored.rev, fields, relations)
            tags = str(stored.fields.get("System.Tags", "")).casefold().split("; ")
            if tag in tags:
                managed.add(id)
        return Live(items=items, managed_ids=frozenset(managed))

    def apply(self, plan: Plan) -> dict[str, int]:
        """Send every step of `plan` in order; returns the id of each key."""
        ids = {action.key: action.id for action in plan.actions if action.id is not None}
        for action in plan.actions:
            for step in action.steps:
                self.writes += 1
                if step.kind == "create":
                    id = self.next_id
                    self.next_id += 1
                    self.items[id] = _Stored(id, action.type, 0, {"System.State": "New"})
                    ids[action.key] = id
                    self._patch(id, step.ops, ids)
                elif step.kind == "delete":
                    self._delete(ids[action.key])
                else:
                    self._patch(ids[action.key], step.ops, ids)
        return {k: v for k, v in ids.items() if v is not None}

    def _delete(self, id: int) -> None:
        del self.items[id]
        for stored in self.items.values():
            stored.relations = [r for r in stored.relations if r[2] != id]

    def _add_relation(self, id: int, op: Any, ids: Mapping[str, int | None]) -> None:
        stored = self.items[id]
        rel = op.value["rel"]
        if op.target is not None:
            target = ids[op.target]
            assert target is not None, f"{op.target} not created yet"
        elif op.target_id is not None:
            target = op.target_id
        else:
            stored.relations.append((rel, op.value["url"], None))
            return
        assert target in self.items, f"link to missing #{target}"
        if rel == "System.LinkTypes.Hierarchy-Reverse":
            assert not any(r[0] == rel for r in stored.relations), f"#{id}: second parent"
        stored.relations.insert(
            sum(1 for r in stored.relations if r[2] is not None), (rel, self.url(target), target)
        )
        other = self.items[target]
        other.relations.insert(
            sum(1 for r in other.relations if r[2] is not None),
            (OPPOSITE_REL[rel], self.url(id), id),
        )

    def _patch(self, id: int, ops: Any, ids: Mapping[str, int | None]) -> None:
        stored = self.items[id]
        before = (dict(stored.fields), list(stored.relations))
        # Indexes name the list as it was before the patch, so removals are resolved first. An
        # earlier step of the same apply may have shifted them (a link removed from the other
        # end): like the applier, find the relation by its `relation` annotation.
        for op in ops:
            if op.op == "remove" and op.path.startswith("/relations/"):
                assert op.relation is not None
                relation = next(r for r in before[1] if r[:2] == op.relation)
                stored.relations.remove(relation)
                if relation[2] is not None:
                    other = self.items[relation[2]]
                    other.relations.remove((OPPOSITE_REL[relation[0]], self.url(id), id))
        for op in ops:
            if op.path == "/rev":
                assert op.op == "test"
                continue
            if op.path.startswith("/fields/"):
                ref = op.path[len("/fields/") :]
                if op.op == "remove":
                    stored.fields.pop(ref, None)
                elif op.op == "add" and ref == "System.Tags" and ref in stored.fields:
                    stored.fields[ref] = _store(ref, f"{stored.fields[ref]}; {op.value}")
                else:
                    value = _store(ref, op.value)
                    if value is None:
                        stored.fields.pop(ref, None)
                    else:
                        stored.fields[ref] = value
            elif op.path == "/relations/-":
                self._add_relation(id, op, ids)
        if (stored.fields, [r for r in stored.relations if r[2] is None]) != (
            before[0],
            [r for r in before[1] if r[2] is None],
        ) or stored.rev == 0:
            stored.rev += 1


# ---------------------------------------------------------------------------------------------
# One plan with every kind of action, change and warning (golden files, renderer tests)


def showcase_plan() -> Plan:
    """A create tree (one created then moved), an update with drift (a field and a link), links
    and long text, an adopt, a prune, and warnings: deterministic, so renderings can be compared
    byte for byte."""
    from witsync.model import REL_PARENT, REL_RELATED, FieldEdit
    from witsync.planning.planner import make_plan

    board = Board()
    legacy = board.add("Epic", {"System.Title": "Legacy billing"}, tags="finance")
    story = board.add(
        "User Story",
        {
            "System.Title": "Opt out of paper billing",
            "System.Description": "<p>Customers get paper bills.</p><p>Keep this line.</p>",
            "System.AssignedTo": "Ann <ann@fabrikam.com>",
            "Microsoft.VSTS.Common.Priority": 2,
        },
        key="paper",
        tags="billing",
    )
    old_parent = board.add("Epic", {"System.Title": "Old home"})
    board.link(story, REL_PARENT, old_parent)
    gone = board.add("Task", {"System.Title": "Print the letters"}, key="letters")
    board.link(gone, REL_PARENT, story)
    board.add("Task", {"System.Title": "Stray"}, tags="witsync:web")
    board.edit(story, "System.Title", "Paper billing (edited)")
    d = desired(
        item("sign-in", "Epic", title="Customers can sign in", tags=("identity", "Q3"), line=3),
        item(
            "msa",
            "User Story",
            parent="sign-in",
            state="Active",
            line=8,
            title="Sign in with a Microsoft account",
            remaining=4,
            ownership={"Microsoft.VSTS.Scheduling.RemainingWork": "create-only"},
        ),
        item(
            "paper",
            "User Story",
            parent="billing",
            links=((REL_RELATED, "msa"),),
            line=15,
            title="Opt out of paper billing",
            description="Customers get **no** paper bills.\n\nKeep this line.",
            assigned="bob@fabrikam.com",
            priority=2.0,
            tags=("billing", "q3"),
        ),
        item("billing", "Epic", adopt_id=legacy, title="Billing", line=22),
    )
    live = board.live()
    # Carol retitled the story on the board and put it under "Old home": drift, both
    edit = FieldEdit("Carol <carol@fabrikam.com>", "2026-11-20T09:30:00Z", 2, drift=True)
    moved = FieldEdit("Carol <carol@fabrikam.com>", "2026-11-20T09:31:00Z", 2, drift=True)
    live = Live(
        live.items,
        live.managed_ids,
        {story: {"System.Title": edit}},
        link_edits={story: {("added", REL_PARENT, old_parent): moved}},
    )
    return make_plan(d, live, process(), TARGET, prune=True)
