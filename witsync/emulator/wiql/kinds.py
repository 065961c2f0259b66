"""WIQL's type rules: each field's kind, the operators and comparisons each kind allows, categories.

A query the service would refuse for its types is refused here in the service's words, before any
SQL is built (`sql` turns what passes into SQL).
"""

from __future__ import annotations

from dataclasses import dataclass

from witsync.emulator.linktypes import CHILD, PARENT, PREDECESSOR, RELATED, SUCCESSOR
from witsync.emulator.wiql.ast import LINK_TYPE_FIELD, Cond, Const, FieldRef, WiqlContext
from witsync.emulator.wiql.errors import caused

LINK_NAMES = {
    "child": CHILD,
    "parent": PARENT,
    "related": RELATED,
    "successor": SUCCESSOR,
    "predecessor": PREDECESSOR,
}
"""Friendly link-end names that queries may use instead of reference names."""
_CATEGORIES = {
    "microsoft.requirementcategory": ("User Story", "Product Backlog Item", "Issue", "Requirement"),
    "microsoft.taskcategory": ("Task",),
    "microsoft.bugcategory": ("Bug",),
    "microsoft.featurecategory": ("Feature",),
    "microsoft.epiccategory": ("Epic",),
    "microsoft.testcasecategory": ("Test Case",),
    "microsoft.testplancategory": ("Test Plan",),
    "microsoft.testsuitecategory": ("Test Suite",),
    "microsoft.sharedstepcategory": ("Shared Steps",),
    "microsoft.sharedparametercategory": ("Shared Parameter",),
}
"""Work item type categories of the Agile, Scrum, Basic and CMMI processes, for IN GROUP."""
# How a field compares, by its wire type; any other type compares as a string.
_KIND_BY_WIRE_TYPE = {
    "integer": "number",
    "double": "number",
    "picklistinteger": "number",
    "picklistdouble": "number",
    "datetime": "date",
    "boolean": "bool",
    "identity": "identity",
    "treepath": "path",
    "html": "longtext",
    "plaintext": "longtext",
    "history": "longtext",
}
TEXT_KINDS = ("string", "longtext", "identity", "path", "tags", "link")
_ORDERING = ("<", ">", "<=", ">=")
_TREE_OPERATOR = "The specified operator cannot be used with area path fields."
_UNKNOWN_FIELD = "TF51005: The query references a field that does not exist."
INCOMPATIBLE = (
    "TF212023: You cannot compare fields with different data types in the WHERE clause of a work "
    "item query."
)


@dataclass(frozen=True)
class Field:
    ref: str
    kind: str  # string | longtext | number | date | bool | identity | path | tags | link


def field_of(ctx: WiqlContext, ref: FieldRef, links: bool) -> Field:
    """The field `ref` names and its kind (`links`: in a link query, where [Target] and the link
    type are fields too)."""
    if ref.name.lower() == LINK_TYPE_FIELD.lower() and ref.prefix is None and links:
        return Field(LINK_TYPE_FIELD, "link")
    if ref.prefix == "target" and not links:
        raise caused("Expecting field name.", "[Target]")
    found = ctx.resolve_field(ref.name)
    if found is None:
        raise caused(_UNKNOWN_FIELD, ref.text)
    refname, _, wire_type = found
    if refname == "System.Tags":
        return Field(refname, "tags")
    return Field(refname, _KIND_BY_WIRE_TYPE.get(wire_type.lower(), "string"))


def check_operator(op: str, field: Field, cond: Cond, *, links: bool, time_precision: bool) -> None:
    """Refuses an operator the service does not allow on the field's type, in its words."""
    kind = field.kind
    message = None
    if op == "EVER" and links:
        message = "The EVER operator can not be used inside link queries."
    elif op == "EVER" and kind == "date" and not time_precision:
        message = (
            "The EVER operator cannot be used to query a date type field using date precision."
        )
    elif op == "UNDER" and kind != "path":
        message = "TF51012: The UNDER operator can only be used with classification fields."
    elif kind == "path" and op in (*_ORDERING, "CONTAINS", "CONTAINS WORDS"):
        message = _TREE_OPERATOR
    elif op in ("CONTAINS", "CONTAINS WORDS") and kind not in TEXT_KINDS:
        message = "Operator CONTAINS can be used with string type fields only."
    elif kind == "longtext" and op not in ("CONTAINS", "CONTAINS WORDS", "IS EMPTY"):
        message = "The specified operator cannot be used with long-text fields."
    elif kind == "link" and op not in ("=", "IN"):
        message = "The operator can not be used with Link Type field."
    if message is not None:
        raise caused(message, cond.field.text)


def check_field_comparison(cond: Cond, field: Field, operand: FieldRef, other: Field) -> None:
    """Refuses comparing `cond.field` to the field `operand` where the service does."""
    if "longtext" in (field.kind, other.kind):
        raise caused(
            "TF212025: You cannot compare long text, HTML, or history fields to other "
            "fields in the WHERE clause of a work item query.",
            operand.text,
        )
    if other.kind != field.kind:
        raise caused(INCOMPATIBLE, operand.text)
    if "target" in (cond.field.prefix, operand.prefix) and cond.field.prefix != operand.prefix:
        raise caused(
            "TF212024: To find work items by comparing fields of linked work items, you "
            "can only specify fields that belong to the same endpoint of the work item "
            "link. You cannot compare fields that belong to different endpoints of a "
            "linked work item.",
            operand.text,
        )


def category_types(cond: Cond, field: Field) -> tuple[str, ...]:
    """The work item types of the category IN GROUP names; security groups are not modelled."""
    assert isinstance(cond.operand, Const)
    if field.ref != "System.WorkItemType":
        raise caused("IN GROUP is only supported for work item type categories.", cond.field.text)
    types = _CATEGORIES.get(str(cond.operand.value).lower())
    if types is None:
        raise caused("The work item type category does not exist.", cond.operand.text)
    return types
