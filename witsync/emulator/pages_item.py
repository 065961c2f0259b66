"""The work item page: one item's fields, rich text, links and history (who changed what, when)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from witsync.emulator.linktypes import link_type
from witsync.emulator.pages_backlog import row_of, states_of
from witsync.emulator.pages_kit import not_found, project_base, project_of, render, type_color
from witsync.emulator.pages_text import email, field_name, is_rich, person, plain, rich, when
from witsync.emulator.store import Item, Store

QUIET_FIELDS = frozenset(
    {
        "System.Id", "System.Rev", "System.AuthorizedDate", "System.RevisedDate",
        "System.ChangedDate", "System.ChangedBy", "System.Watermark", "System.CommentCount",
        "System.TeamProject", "System.IsDeleted", "System.Parent", "System.History",
        "Microsoft.VSTS.Common.StateChangeDate", "System.AuthorizedAs", "System.PersonId",
        "System.NodeName", "System.AreaId", "System.IterationId", "System.CreatedBy",
        "System.CreatedDate",
    }
)  # fmt: skip
"""Bookkeeping every revision touches: left out of the history so the changes people made show."""
HEADER_FIELDS = frozenset(
    {
        "System.Title", "System.WorkItemType", "System.State", "System.Reason",
        "System.AssignedTo", "System.Tags", "System.AreaPath", "System.IterationPath",
    }
)  # fmt: skip


@dataclass
class Link:
    group: str
    href: str
    text: str
    type: str = ""
    state: str = ""
    comment: str = ""
    external: bool = False


@dataclass
class Change:
    field: str
    before: str
    after: str
    rich: bool = False


@dataclass
class Update:
    rev: int
    by: str
    by_email: str
    at: str
    created: bool
    changes: list[Change]
    links_added: list[Link]
    links_removed: list[Link]
    comment: Markup | None


async def item_page(request: Request) -> Response:
    store, org, project = project_of(request)
    if project is None:
        return not_found(request, f"project {request.path_params['project']!r}")
    item_id = int(request.path_params["id"])
    item = store.get(org, item_id)
    if item is None or item.project.lower() != project.name.lower():
        return not_found(request, f"work item {item_id} in project {project.name!r}")
    base = project_base(request, project)
    fields = item.fields
    row = row_of(item, states_of(project))  # its header: as the backlog shows it
    rich_fields = [
        (field_name(ref), rich(value))
        for ref, value in sorted(fields.items(), key=lambda kv: _rich_order(kv[0]))
        if is_rich(ref) and value
    ]
    details = [
        (field_name(ref), ref, plain(value, ref))
        for ref, value in sorted(fields.items(), key=lambda kv: field_name(kv[0]).lower())
        if value not in (None, "")
        and not is_rich(ref)
        and ref not in HEADER_FIELDS
        and ref not in QUIET_FIELDS
    ]
    links = _links(store, org, item, base)
    return render(
        "item.html",
        org=request.path_params["org"],
        project=project,
        base=base,
        item=item,
        title=row.title,
        type=row.type,
        color=type_color(row.type),
        state=row.state,
        state_color=row.state_color,
        reason=str(fields.get("System.Reason", "")),
        assigned=row.assigned,
        assigned_email=row.assigned_email,
        tags=row.tags,
        area=str(fields.get("System.AreaPath", "")),
        iteration=str(fields.get("System.IterationPath", "")),
        rich_fields=rich_fields,
        details=details,
        links=links,
        history=_history(store, org, item, base),
        created=(person(fields.get("System.CreatedBy")), when(fields.get("System.CreatedDate"))),
        changed=(person(fields.get("System.ChangedBy")), when(fields.get("System.ChangedDate"))),
        type_color=type_color,
    )


def _rich_order(ref: str) -> tuple[int, str]:
    return (0 if ref == "System.Description" else 1, ref)


_GROUPS = ("Parent", "Child", "Predecessor", "Successor", "Related")


def _links(store: Store, org: str, item: Item, base: str) -> list[tuple[str, list[Link]]]:
    """The item's relations by group: work-item links with their targets' type, title and
    state; hyperlinks and other resource links last."""
    targets = [_target(r) for r in item.relations]
    known = store.get_many(org, [t for t in targets if t is not None])
    groups: dict[str, list[Link]] = {}
    for relation, target in zip(item.relations, targets, strict=True):
        comment = str((relation.get("attributes") or {}).get("comment") or "")
        kind = link_type(str(relation.get("rel", "")))
        name = kind.name if kind is not None else str(relation.get("rel", ""))
        if target is not None:
            other = known.get(target)
            text = str(other.fields.get("System.Title", "")) if other else "(deleted)"
            groups.setdefault(name, []).append(
                Link(
                    name,
                    f"{base}/_workitems/edit/{target}",
                    f"{target} {text}",
                    type=str(other.fields.get("System.WorkItemType", "")) if other else "",
                    state=str(other.fields.get("System.State", "")) if other else "",
                    comment=comment,
                )
            )
        else:
            url = str(relation.get("url", ""))
            safe = url.startswith(("http://", "https://"))
            groups.setdefault(name, []).append(
                Link(name, url if safe else "", url, comment=comment, external=True)
            )
    order = {name: index for index, name in enumerate(_GROUPS)}
    return sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))


def _target(relation: Mapping[str, Any]) -> int | None:
    kind = link_type(str(relation.get("rel", "")))
    if kind is None or not kind.is_work_item_link:
        return None
    tail = str(relation.get("url", "")).rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _history(store: Store, org: str, item: Item, base: str) -> list[Update]:
    """The item's updates, newest first: who, when, which fields went from what to what, which
    links came and went, and the comment the revision carried."""
    updates: list[Update] = []
    rows = store.updates(org, item.id)
    targets = {
        target
        for row in rows
        for group in (row[5] or {}).values()
        for relation in group
        if (target := _target(relation)) is not None
    }
    titles = {
        id: str(other.fields.get("System.Title", ""))
        for id, other in store.get_many(org, sorted(targets)).items()
    }
    for seq, rev, by, at, fields, relations in rows:
        created = seq == 1
        changes = [
            Change(
                field_name(ref),
                "" if created else plain(change.get("oldValue"), ref),
                plain(change.get("newValue"), ref),
                is_rich(ref),
            )
            for ref, change in sorted(fields.items(), key=lambda kv: field_name(kv[0]).lower())
            if ref not in QUIET_FIELDS and isinstance(change, dict)
        ]
        comment = fields.get("System.History", {}).get("newValue") if fields else None
        added = [_history_link(r, base, titles) for r in (relations or {}).get("added", [])]
        removed = [_history_link(r, base, titles) for r in (relations or {}).get("removed", [])]
        updates.append(
            Update(
                rev=rev,
                by=person(by),
                by_email=email(by),
                at=when(at),
                created=created,
                changes=changes,
                links_added=added,
                links_removed=removed,
                comment=rich(comment) if comment else None,
            )
        )
    return list(reversed(updates))


def _history_link(relation: Mapping[str, Any], base: str, titles: Mapping[int, str]) -> Link:
    kind = link_type(str(relation.get("rel", "")))
    name = kind.name if kind is not None else str(relation.get("rel", ""))
    target = _target(relation)
    if target is not None:
        title = titles.get(target, "(deleted)")
        return Link(name, f"{base}/_workitems/edit/{target}", f"#{target} {title}")
    url = str(relation.get("url", ""))
    return Link(name, url if url.startswith(("http://", "https://")) else "", url, external=True)
