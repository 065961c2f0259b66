"""Reads what export and pull start from: a selection of work items, and new children.

A selection is one WIQL query (a subtree is one recursive link query; an area, an iteration or
the whole project a flat query read past the 20,000-result cap by id ranges; `--ids` needs
none), then the items with their relations, 200 a request, concurrently. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from witsync.ado import wiql
from witsync.ado.client import Client
from witsync.errors import ConfigError
from witsync.exporting.entries import AREA, ITERATION, child_ids
from witsync.loading.fieldnames import FRIENDLY_FIELDS, did_you_mean, resolve_field_name
from witsync.model import REL_CHILD, LiveItem, Process


@dataclass(frozen=True)
class Selection:
    """What to export. `under`, `query` and `ids` exclude each other; `area` and `iteration`
    narrow any of them (or the whole project, when none is given)."""

    under: int | None = None
    area: str | None = None
    iteration: str | None = None
    query: str | None = None
    ids: tuple[int, ...] = ()

    def describe(self) -> str:
        """As the command line says it, for the manifests' header."""
        parts = []
        if self.under is not None:
            parts.append(f"--under {self.under}")
        if self.query is not None:
            parts.append(f"--query {_quoted(self.query)}")
        if self.ids:
            parts.append("--ids " + ",".join(str(id) for id in self.ids))
        if self.area is not None:
            parts.append(f"--area {_quoted(self.area)}")
        if self.iteration is not None:
            parts.append(f"--iteration {_quoted(self.iteration)}")
        return " ".join(parts) or "the whole project"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def path_condition(field: str, path: str) -> str:
    return f"{wiql.field(field)} UNDER {wiql.literal(path)}"


def subtree_query(root: int) -> str:
    """Every item below `root` (and `root`), as one recursive link query."""
    return (
        "SELECT [System.Id] FROM WorkItemLinks WHERE "  # noqa: S608 - an int, no user text
        f"[Source].[System.Id] = {int(root)} AND "
        f"[System.Links.LinkType] = {wiql.literal(REL_CHILD)} MODE (Recursive)"
    )


def flat_query(selection: Selection) -> wiql.FlatQuery:
    """The project, narrowed to an area and an iteration when given, ordered by id."""
    conditions = ["[System.TeamProject] = @project"]
    if selection.area is not None:
        conditions.append(path_condition(AREA, selection.area))
    if selection.iteration is not None:
        conditions.append(path_condition(ITERATION, selection.iteration))
    return wiql.FlatQuery(" AND ".join(conditions))


async def select_ids(client: Client, selection: Selection) -> list[int]:
    """The ids a selection names (before any area or iteration filter on a subtree, a query or
    ids, which `within` applies to the items read)."""
    if selection.ids:
        return list(dict.fromkeys(selection.ids))
    if selection.under is not None:
        return await client.query_ids(subtree_query(selection.under))
    if selection.query is not None:
        return await client.query_ids(selection.query)
    return await client.query_ids(flat_query(selection))


def within(items: Iterable[LiveItem], selection: Selection) -> list[LiveItem]:
    """The items under `selection`'s area and iteration (when the query did not say so)."""
    narrowed = selection.under is not None or selection.query is not None or selection.ids
    if not narrowed:
        return list(items)
    return [
        item
        for item in items
        if _under(item.fields.get(AREA), selection.area)
        and _under(item.fields.get(ITERATION), selection.iteration)
    ]


def _under(value: object, path: str | None) -> bool:
    if path is None:
        return True
    have = str(value or "").casefold()
    want = path.strip("\\").casefold()
    return have == want or have.startswith(want + "\\")


async def read_selection(client: Client, selection: Selection) -> tuple[list[int], list[LiveItem]]:
    """The selected ids, in the order the query gave them, and their items."""
    ids = await select_ids(client, selection)
    if selection.under is not None and not ids:
        raise ConfigError(
            f"work item #{selection.under} does not exist in project {client.project}",
            hint="check the id given to --under",
        )
    items = within(await client.get_items(ids), selection)
    found = {item.id for item in items}
    return [id for id in ids if id in found], items


async def read_subtrees(
    client: Client, roots: Sequence[int], known: Collection[int]
) -> dict[int, LiveItem]:
    """`roots` and everything below them that is not `known`, one level at a time (each level is
    read 200 a request); an id that cannot be read is left out."""
    found: dict[int, LiveItem] = {}
    level = [id for id in dict.fromkeys(roots) if id not in known]
    while level:
        items = await client.get_items(level)
        for item in items:
            found[item.id] = item
        level = [
            child
            for item in items
            for child in child_ids(item)
            if child not in found and child not in known
        ]
        level = list(dict.fromkeys(level))
    return found


def field_list(names: Sequence[str]) -> list[str]:
    """Reference names for `--fields` values (comma-separated, friendly or reference names)."""
    refs = []
    for text in names:
        for name in (part.strip() for part in text.split(",")):
            if not name:
                continue
            ref = resolve_field_name(name)
            if ref is None:
                raise ConfigError(
                    f"--fields: unknown field name {name!r}",
                    hint=did_you_mean(name, FRIENDLY_FIELDS)
                    or "use a friendly name (acceptanceCriteria...) or a reference name",
                )
            refs.append(ref)
    return list(dict.fromkeys(refs))


def check_fields(refs: Sequence[str], process: Process) -> list[str]:
    """The reference names in the project's spelling; an unknown one is an error."""
    by_lower = {ref.lower(): ref for ref in process.fields}
    found = []
    for ref in refs:
        known = by_lower.get(ref.lower())
        if known is None:
            raise ConfigError(
                f"--fields: project has no field {ref!r}",
                hint="see the project's fields in Azure DevOps (Organization settings → Process)",
            )
        found.append(known)
    return found
