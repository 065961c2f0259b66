"""QueryHierarchyItem as the service writes it: change info, links, and by `$expand` the WIQL,
columns, sort columns and the clause tree read back from the WIQL text."""

from __future__ import annotations

from typing import Any

from witsync.emulator import errors
from witsync.emulator.processes import lookup_field
from witsync.emulator.querystore import ROOTS, SavedQuery
from witsync.emulator.store import Project
from witsync.emulator.values import wire_date
from witsync.emulator.wiql.ast import (
    LINK_TYPE_FIELD,
    Cond,
    Const,
    Expr,
    FieldRef,
    Junction,
    Negation,
    Query,
    conjuncts,
)
from witsync.emulator.wiql.errors import WiqlError
from witsync.emulator.wiql.parse import parse
from witsync.emulator.wire import Urls, identity_ref

EXPANDS = ("none", "wiql", "clauses", "all", "minimal")

# WIQL operator -> (referenceName suffix, name) of a clause's `operator`.
OPERATORS = {
    "=": ("Equals", "="),
    "<>": ("NotEquals", "<>"),
    ">": ("GreaterThan", ">"),
    "<": ("LessThan", "<"),
    ">=": ("GreaterThanEquals", ">="),
    "<=": ("LessThanEquals", "<="),
    "CONTAINS": ("Contains", "Contains"),
    "NOT CONTAINS": ("NotContains", "Does Not Contain"),
    "CONTAINS WORDS": ("ContainsWords", "Contains Words"),
    "NOT CONTAINS WORDS": ("NotContainsWords", "Does Not Contain Words"),
    "IN": ("In", "In"),
    "NOT IN": ("NotIn", "Not In"),
    "IN GROUP": ("InGroup", "In Group"),
    "NOT IN GROUP": ("NotInGroup", "Not In Group"),
    "EVER": ("Ever", "Was Ever"),
    "UNDER": ("Under", "Under"),
    "NOT UNDER": ("NotUnder", "Not Under"),
    "IS EMPTY": ("IsEmpty", "Is Empty"),
    "IS NOT EMPTY": ("IsNotEmpty", "Is Not Empty"),
}
# A field compared with another field: `= [Field]`.
FIELD_OPERATORS = {"=", "<>", ">", "<", ">=", "<="}


def expand_of(raw: str | None) -> str:
    value = (raw or "none").lower()
    if value.isdigit() and int(value) < len(EXPANDS):
        value = EXPANDS[int(value)]
    if value not in EXPANDS:
        raise errors.bad_request(f"The expand value '{raw}' is not valid.")
    return value


def field_ref(name: str, urls: Urls) -> dict[str, Any]:
    fdef = lookup_field(name)
    ref = fdef.ref if fdef else name
    if name.lower() == LINK_TYPE_FIELD.lower():
        ref, label = LINK_TYPE_FIELD, "Link Type"
    else:
        label = fdef.name if fdef else name
    return {"referenceName": ref, "name": label, "url": urls.field(ref)}


def _value(operand: Const | FieldRef | tuple[Const, ...] | None) -> str | None:
    if operand is None:
        return None
    if isinstance(operand, tuple):
        return ", ".join(_value(c) or "" for c in operand)
    if isinstance(operand, FieldRef):
        return operand.name
    if operand.kind == "string":
        return str(operand.value)
    if operand.kind == "macro":
        return operand.text
    if operand.kind == "bool":
        return "True" if operand.value else "False"
    number = float(operand.value)
    return str(int(number)) if number.is_integer() else str(number)


def clause(expr: Expr, urls: Urls) -> dict[str, Any]:
    """A WorkItemQueryClause: a condition, or `logicalOperator` over child clauses. NOT has no
    clause of its own; its condition is written as it stands."""
    if isinstance(expr, Negation):
        return clause(expr.item, urls)
    if isinstance(expr, Junction):
        return {
            "logicalOperator": expr.op.lower(),
            "clauses": [clause(item, urls) for item in expr.items],
        }
    return _condition(expr, urls)


def _condition(cond: Cond, urls: Urls) -> dict[str, Any]:
    suffix, name = OPERATORS.get(cond.op, (cond.op.title().replace(" ", ""), cond.op))
    body: dict[str, Any] = {"field": field_ref(cond.field.name, urls)}
    if isinstance(cond.operand, FieldRef) and cond.op in FIELD_OPERATORS:
        body["operator"] = {
            "referenceName": f"SupportedOperations.{suffix}Field",
            "name": f"{name} [Field]",
        }
        body["fieldValue"] = field_ref(cond.operand.name, urls)
        body["isFieldValue"] = True
        return body
    body["operator"] = {"referenceName": f"SupportedOperations.{suffix}", "name": name}
    value = _value(cond.operand)
    if value is not None:
        body["value"] = value
    return body


def _join(parts: list[Expr]) -> Expr | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Junction("AND", tuple(parts))


def _is_link(expr: Expr) -> bool:
    while isinstance(expr, Negation):
        expr = expr.item
    return isinstance(expr, Cond) and expr.field.name.lower() == LINK_TYPE_FIELD.lower()


def _side(expr: Expr) -> str:
    while isinstance(expr, Negation):
        expr = expr.item
    if isinstance(expr, Junction):
        return _side(expr.items[0])
    return expr.field.prefix or "source"


def _mode(query: Query) -> tuple[str, str]:
    """(queryType, filterOptions) of a link query from its MODE."""
    modes = {m.lower() for m in query.modes}
    if "recursive" in modes:
        # As recorded: MODE (Recursive) alone reads back as "may contain".
        matching = "returnmatchingchildren" in modes
        return "tree", "linksRecursive" + ("MustContain" if matching else "MayContain")
    for name, option in (("maycontain", "MayContain"), ("doesnotcontain", "DoesNotContain")):
        if name in modes:
            return "oneHop", f"linksOneHop{option}"
    return "oneHop", "linksOneHopMustContain"


def describe(text: str, urls: Urls, with_clauses: bool) -> dict[str, Any]:
    """queryType, columns, sortColumns (and the clause tree) of a WIQL text."""
    try:
        query = parse(text)
    except WiqlError:
        return {"isInvalidSyntax": True}
    body: dict[str, Any] = {"queryType": "flat"}
    body["columns"] = [field_ref(c.name, urls) for c in query.columns]
    if query.order:
        body["sortColumns"] = [
            {"field": field_ref(k.field.name, urls), "descending": k.descending}
            for k in query.order
        ]
    if not query.links:
        if with_clauses and query.where is not None:
            body["clauses"] = clause(query.where, urls)
        return body
    body["queryType"], options = _mode(query)
    if not with_clauses:
        return body
    items = list(conjuncts(query.where))
    link = [e for e in items if _is_link(e)]
    source = [e for e in items if not _is_link(e) and _side(e) == "source"]
    target = [e for e in items if not _is_link(e) and _side(e) == "target"]
    for key, parts in (("sourceClauses", source), ("targetClauses", target)):
        joined = _join(parts)
        if joined is not None:
            body[key] = clause(joined, urls)
    joined = _join(link)
    if joined is not None:
        body["linkClauses"] = clause(joined, urls)
    body["filterOptions"] = options
    return body


def hierarchy_item(
    item: SavedQuery,
    path: str,
    parent: str | None,
    urls: Urls,
    project: Project,
    expand: str,
    listed: list[dict[str, Any]] | None = None,
    has_children: bool = False,
) -> dict[str, Any]:
    """One QueryHierarchyItem; `listed` are its children already rendered, when asked for."""
    self_url = urls.api(f"wit/queries/{item.id}", project)
    public = path.split("/", 1)[0].lower() == ROOTS[1][0].lower()
    body: dict[str, Any] = {"id": item.id, "name": item.name, "path": path}
    if expand != "minimal":
        body["createdBy"] = identity_ref(item.created_by, urls)
        body["createdDate"] = wire_date(item.created_date)
        body["lastModifiedBy"] = identity_ref(item.modified_by, urls)
        body["lastModifiedDate"] = wire_date(item.modified_date)
        if item.executed_by and item.executed_date:
            body["lastExecutedBy"] = identity_ref(item.executed_by, urls)
            body["lastExecutedDate"] = wire_date(item.executed_date)
    if item.folder:
        body["isFolder"] = True
        body["hasChildren"] = has_children
        if listed:
            body["children"] = listed
    elif item.wiql is not None:
        shape = describe(item.wiql, urls, with_clauses=expand in {"clauses", "all"})
        if expand in {"none", "minimal"}:
            shape = {k: v for k, v in shape.items() if k in {"queryType", "isInvalidSyntax"}}
        body.update(shape)
        if expand != "none":
            body["wiql"] = item.wiql
    if item.deleted:
        body["isDeleted"] = True
    body["isPublic"] = public
    if expand != "minimal":
        links: dict[str, Any] = {
            "self": {"href": self_url},
            "html": {
                "href": f"{urls.org_url}/web/qr.aspx?pguid={project.id}&qid={item.id}",
            },
        }
        if parent is not None:
            links["parent"] = {"href": urls.api(f"wit/queries/{parent}", project)}
        if not item.folder:
            links["wiql"] = {"href": urls.api(f"wit/wiql/{item.id}", project)}
        body["_links"] = links
    body["url"] = self_url
    return body
