"""The emulator's WIQL engine, run over a store built in the shared SQLite schema."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wiql_support import wiql_store

from witsync.emulator.wiql.ast import (
    Cond,
    Const,
    Expr,
    FieldRef,
    Junction,
    Negation,
    Prefix,
    Query,
    SortKey,
)
from witsync.emulator.wiql.parse import parse
from witsync.emulator.wiql.run import (
    WiqlContext,
    WiqlError,
    WiqlLimitError,
    WiqlResult,
    run_wiql,
)

FIELDS = {
    "System.Id": ("ID", "integer"),
    "System.Rev": ("Rev", "integer"),
    "System.Title": ("Title", "string"),
    "System.State": ("State", "string"),
    "System.WorkItemType": ("Work Item Type", "string"),
    "System.TeamProject": ("Team Project", "string"),
    "System.AssignedTo": ("Assigned To", "identity"),
    "System.AreaPath": ("Area Path", "treePath"),
    "System.Tags": ("Tags", "plainText"),
    "System.Description": ("Description", "html"),
    "System.CreatedDate": ("Created Date", "dateTime"),
    "System.ChangedDate": ("Changed Date", "dateTime"),
    "Microsoft.VSTS.Common.Priority": ("Priority", "integer"),
    "Microsoft.VSTS.Scheduling.StoryPoints": ("Story Points", "double"),
    "Microsoft.VSTS.Scheduling.RemainingWork": ("Remaining Work", "double"),
    "System.BoardColumnDone": ("Board Column Done", "boolean"),
}
BY_NAME = {k.lower(): (k, n, t) for k, (n, t) in FIELDS.items()} | {
    n.lower(): (k, n, t) for k, (n, t) in FIELDS.items()
}

FORWARD = "System.LinkTypes.Hierarchy-Forward"
REVERSE = "System.LinkTypes.Hierarchy-Reverse"
RELATED = "System.LinkTypes.Related"
ME = "Ada Lovelace <ada@example.com>"


def resolve(name: str) -> tuple[str, str, str] | None:
    return BY_NAME.get(name.lower())


def make_ctx(**changes: Any) -> WiqlContext:
    ctx = WiqlContext(
        org="org", project="Alpha", me=ME, today=dt.date(2026, 11, 23), resolve_field=resolve
    )
    return dataclasses.replace(ctx, **changes)


class Board:
    def __init__(self) -> None:
        self.conn = wiql_store()

    def add(
        self,
        id: int,
        *,
        org: str = "org",
        project: str = "Alpha",
        deleted: bool = False,
        **fields: Any,
    ) -> None:
        stored = {
            "System.Id": id,
            "System.Rev": 1,
            "System.TeamProject": project,
            "System.WorkItemType": "Task",
            "System.State": "New",
            "System.Title": f"Item {id}",
            "System.AreaPath": project,
            "System.CreatedDate": "2026-11-01T08:00:00.5Z",
        }
        for key, value in fields.items():
            stored[
                {
                    "AssignedTo": "System.AssignedTo",
                    "Priority": "Microsoft.VSTS.Common.Priority",
                    "Points": "Microsoft.VSTS.Scheduling.StoryPoints",
                    "Remaining": "Microsoft.VSTS.Scheduling.RemainingWork",
                    "Done": "System.BoardColumnDone",
                }.get(key, f"System.{key}")
            ] = value
        stored = {key: value for key, value in stored.items() if value is not None}
        self.conn.execute(
            "INSERT INTO work_items VALUES (?, ?, ?, 1, ?, ?, '[]')",
            (org, id, project, int(deleted), json.dumps(stored)),
        )

    def link(self, parent: int, child: int, *, org: str = "org") -> None:
        self.conn.executemany(
            "INSERT INTO links VALUES (?, ?, ?, ?)",
            [(org, parent, child, FORWARD), (org, child, parent, REVERSE)],
        )

    def relate(self, a: int, b: int) -> None:
        self.conn.executemany(
            "INSERT INTO links VALUES ('org', ?, ?, ?)", [(a, b, RELATED), (b, a, RELATED)]
        )

    def run(self, text: str, **ctx: Any) -> WiqlResult:
        return run_wiql(self.conn, text, make_ctx(**ctx))

    def ids(self, where: str, **ctx: Any) -> list[int]:
        return list(
            self.run(f"SELECT [System.Id] FROM WorkItems WHERE {where}", **ctx).work_item_ids
        )


@pytest.fixture
def board() -> Iterator[Board]:
    b = Board()
    yield b
    b.conn.close()


def error_of(board: Board, text: str, **ctx: Any) -> WiqlError:
    with pytest.raises(WiqlError) as caught:
        board.run(text, **ctx)
    return caught.value


# ---------------------------------------------------------------- grammar


def _ref(name: str, text: str | None = None, prefix: Prefix = None) -> FieldRef:
    """A field as the parser keeps it: `text` is how an error message would show it."""
    return FieldRef(prefix, name, text if text is not None else name)


def _str(value: str, text: str | None = None) -> Const:
    return Const("string", value, text if text is not None else f"'{value}'")


def _num(value: float, text: str) -> Const:
    return Const("number", value, text)


ID = _ref("System.Id", "[System.Id]")


def _query(
    where: Expr | None,
    *,
    columns: tuple[FieldRef, ...] = (ID,),
    links: bool = False,
    order: tuple[SortKey, ...] = (),
    modes: tuple[str, ...] = (),
) -> Query:
    return Query(columns, links, where, order, modes, "MODE")


# Each valid query, the syntax tree it parses to, and what it returns on the `seeded` board:
# flat queries give ids, the link query gives (link type, source, target) rows.
VALID_QUERIES: list[tuple[str, Query, tuple[Any, ...]]] = [
    (
        "SELECT [System.Id] FROM WorkItems",
        _query(None),
        (1, 2, 3, 4, 5, 6, 7),
    ),
    (
        "select System.Id, [System.Title] from workitems where [State] = 'New' order by System.Id",
        _query(
            Cond(_ref("State"), "=", _str("New")),
            # a dotted name is shown bracketed in messages, however it was written
            columns=(ID, _ref("System.Title", "[System.Title]")),
            order=(SortKey(ID),),
        ),
        (1, 5, 7),
    ),
    (
        "Select [Assigned To] From WorkItems Where [Assigned To] = @Me "
        "And [Created Date] >= @Today-7",
        _query(
            Junction(
                "AND",
                (
                    Cond(_ref("Assigned To", "[Assigned To]"), "=", Const("macro", "me", "@Me")),
                    Cond(
                        _ref("Created Date", "[Created Date]"),
                        ">=",
                        Const("macro", "today", "@Today - 7", offset=-7),
                    ),
                ),
            ),
            columns=(_ref("Assigned To", "[Assigned To]"),),
        ),
        (1,),  # 3 is also assigned to me, but was created in September
    ),
    (
        'SELECT [System.Id] FROM WorkItems WHERE [System.Title] = "say ""hi"""',
        _query(Cond(_ref("System.Title", "[System.Title]"), "=", _str('say "hi"'))),
        (1,),
    ),
    (
        "SELECT [System.Id] FROM WorkItems WHERE NOT ([State] = 'a' OR ([State] <> 'b')) "
        "ASOF '2026-01-01'",
        _query(
            Negation(
                Junction(
                    "OR",
                    (Cond(_ref("State"), "=", _str("a")), Cond(_ref("State"), "<>", _str("b"))),
                )
            )
        ),
        (3,),  # ASOF is answered with current values
    ),
    (
        "SELECT [System.Id] FROM WorkItems WHERE [Priority] IN (1, 2,3) AND [Priority] NOT IN (4)",
        _query(
            Junction(
                "AND",
                (
                    Cond(
                        _ref("Priority"),
                        "IN",
                        (_num(1.0, "1"), _num(2.0, "2"), _num(3.0, "3")),
                    ),
                    Cond(_ref("Priority"), "NOT IN", (_num(4.0, "4"),)),
                ),
            )
        ),
        (1, 2, 5),
    ),
    (
        "SELECT [System.Id] FROM WorkItemLinks WHERE [Source].[State] = 'New' AND "
        "Target.[System.State] <> 'Done' AND [System.Links.LinkType] = 'Child' MODE (MayContain)",
        _query(
            Junction(
                "AND",
                (
                    Cond(_ref("State", prefix="source"), "=", _str("New")),
                    Cond(
                        _ref("System.State", "[System.State]", prefix="target"),
                        "<>",
                        _str("Done"),
                    ),
                    Cond(
                        _ref("System.Links.LinkType", "[System.Links.LinkType]"),
                        "=",
                        _str("Child"),
                    ),
                ),
            ),
            links=True,
            modes=("MayContain",),
        ),
        # New sources, each with its children that are not Done (5 -> 6 is Done)
        ((None, None, 1), (None, None, 5), (FORWARD, 5, 7), (None, None, 7)),
    ),
    (
        "SELECT [System.Id] FROM WorkItems WHERE [Created Date] > @StartOfMonth('-1M')",
        _query(
            Cond(
                _ref("Created Date", "[Created Date]"),
                ">",
                Const("macro", "startofmonth", "@StartOfMonth('-1M')", arg="-1M"),
            )
        ),
        (1, 2, 4, 5, 6, 7),  # after 2026-10-01; 3 was created in September
    ),
    (
        "SELECT [System.Id] FROM WorkItems WHERE [System.Title] EVER 'x' AND [Priority] >= -1.5",
        _query(
            Junction(
                "AND",
                (
                    Cond(_ref("System.Title", "[System.Title]"), "EVER", _str("x")),
                    Cond(_ref("Priority"), ">=", _num(-1.5, "-1.5")),
                ),
            )
        ),
        (2,),  # 4 is titled X too, but its priority is -2
    ),
]


@pytest.fixture
def seeded(board: Board) -> Board:
    """Seven items that tell the valid queries apart (today is 2026-11-23, `@Me` is Ada)."""
    board.add(1, Title='say "hi"', AssignedTo=ME, CreatedDate="2026-11-20T08:00:00Z", Priority=1)
    board.add(2, State="a", Title="x", Priority=2, CreatedDate="2026-10-15T08:00:00Z")
    board.add(3, State="b", Priority=4, AssignedTo=ME, CreatedDate="2026-09-30T08:00:00Z")
    board.add(
        4,
        State="Active",
        Title="X",
        Priority=-2,
        AssignedTo="Bob <bob@example.com>",
        CreatedDate="2026-11-22T08:00:00Z",
    )
    board.add(5, Priority=3)
    board.add(6, State="Done")
    board.add(7)
    board.link(5, 6)
    board.link(5, 7)
    return board


@pytest.mark.parametrize(
    ("text", "tree", "answer"), VALID_QUERIES, ids=[f"q{n}" for n in range(len(VALID_QUERIES))]
)
def test_valid_queries_parse_to_their_tree_and_answer(
    seeded: Board, text: str, tree: Query, answer: tuple[Any, ...]
) -> None:
    assert parse(text) == tree
    result = seeded.run(text)
    if tree.links:
        assert result.relations == answer
    else:
        assert result.work_item_ids == answer


W = "SELECT [System.Id] FROM WorkItems WHERE "
L = "SELECT [System.Id] FROM WorkItemLinks "


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (W + "[State] IN ()", "Expecting constant value. The error is caused by «)»."),
        (W + "[State] IN ('a' 'b')", "Expecting right bracket. The error is caused by «'b'»."),
        (W + "[State] IN 'a'", "Expecting left bracket. The error is caused by «'a'»."),
        (W + "[State] 'x'", "Expecting comparison operator. The error is caused by «'x'»."),
        (W + "State = 'x' Title = 'y'", "Expecting end of string. The error is caused by «Title»."),
        (W + "= 'x'", "Expecting field name. The error is caused by «=»."),
        (W + "[State] = )", "Expecting field name or expression. The error is caused by «)»."),
        (W + "[Area Path] UNDER )", "Expecting expression. The error is caused by «)»."),
        (W + "([State] = 'x' ORDER BY [System.Id]",
         "Expecting left bracket. The error is caused by «ORDER»."),
        (W + "[State] = 'it''s", "Expecting closing quote. The error is caused by «'it''s'»."),
        (W + "[State = 'x'",
         "Expecting closing square bracket. The error is caused by «[State = 'x']»."),
        (W + "[] = 'x'", "Empty identifier is not allowed. The error is caused by «[]»."),
        (W + "[State] IS 'x'", "Expecting either 'empty' or 'not empty' after 'is'"),
        (W + "[State] IS NOT 'x'", "Expecting 'empty' after 'is not'"),
        (W + "[Changed Date] > @today - 'x'", "Expecting a number after '@today -'"),
        (W, "Expecting field name."),  # at the end there is no token to name
        (W + "[State] = 'x' WHERE [State] = 'y'",
         "A duplicate  WHERE part of SELECT query has been found. The error is caused by «WHERE»."),
        ("SELECT [System.Id] [System.Title] FROM WorkItems",
         "TF51006: The query statement is missing a FROM clause. "
         "The error is caused by «[System.Title]»."),
        ("SELECT [System.Id] FROM Bugs",
         "TF51009: The query specifies an unknown table. The error is caused by «Bugs»."),
        ("SELECT [System.Id] FROM WorkItems ORDER [System.Id]",
         "Expecting BY. The error is caused by «[System.Id]»."),
        (L + "MODE Recursive", "Expecting left bracket. The error is caused by «Recursive»."),
        (L + "MODE (1)", "Expecting MODE. The error is caused by «1»."),
        (L + "MODE (Sideways)", "Unknown MODE parameter. The error is caused by «Sideways»."),
        ("SELECT [System.Id] FROM WorkItems mode (Recursive)",
         "The MODE keyword can not be used inside work item query. The error is caused by «mode»."),
        (L + "WHERE [Other].[System.Id] = 1",
         'TF400578: You must specify either "Source" or "Target" as the prefix of a field that '
         "references a linked work item. For example: Source.[System.TeamProject]. "
         "The error is caused by «Other»."),
        (W + "[State] < 'x' AND EVER [Priority] > 1",
         'TF51003: The EVER operator can only be used in conjunction with the "=" or "contains" '
         "operators."),
        ("FROM WorkItems WHERE [State] = 'x'", "The query object must provide valid WIQL."),
        ("", "The query object must provide valid WIQL."),
    ],
)  # fmt: skip
def test_syntax_errors_name_the_offending_token(board: Board, text: str, message: str) -> None:
    error = error_of(board, text)
    assert error.message == message
    assert error.type_key == "VssPropertyValidationException"


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("SELECT [Custom.Nope] FROM WorkItems", "[Custom.Nope]"),
        ("SELECT [System.Id] FROM WorkItems WHERE Custom.Nope = 1", "[Custom.Nope]"),
        ("SELECT [System.Id] FROM WorkItems WHERE Nope = 1", "Nope"),
        ("SELECT [System.Id] FROM WorkItems ORDER BY [No Such Field]", "[No Such Field]"),
        ("SELECT [System.Id] FROM WorkItems WHERE [State] = [Custom.Other]", "[Custom.Other]"),
    ],
)
def test_unknown_field_is_tf51005(board: Board, text: str, token: str) -> None:
    assert error_of(board, text).message == (
        "TF51005: The query references a field that does not exist. "
        f"The error is caused by «{token}»."
    )


def test_text_over_32000_characters_is_vs403309(board: Board) -> None:
    padding = " " * 32000
    error = error_of(board, f"SELECT [System.Id] FROM WorkItems{padding}")
    assert error.message.startswith("VS403309: Query WIQL text length exceeded the limit.")
    assert error.type_key == "WorkItemTrackingQueryMaxWiqlTextLengthLimitExceededException"
    board.add(1)  # exactly at the limit is still allowed
    text = "SELECT [System.Id] FROM WorkItems"
    assert board.run(text + " " * (32000 - len(text))).work_item_ids == (1,)


def test_keywords_and_field_names_are_case_insensitive(board: Board) -> None:
    board.add(1, State="Active")
    board.add(2)
    result = board.run(
        "sElEcT [system.title] FrOm WORKITEMS wHeRe [STATE] = 'active' OrDeR By id DeSc"
    )
    assert result.work_item_ids == (1,)
    assert result.columns == ("System.Title",)
    assert result.sort_columns == (("System.Id", True),)
    assert result.query_type == "flat"


# ---------------------------------------------------------------- operators


def test_string_comparisons_ignore_case_and_treat_missing_as_empty(board: Board) -> None:
    board.add(1, State="Active")
    board.add(2, State="ACTIVE")
    board.add(3, State="Closed")
    board.add(4, Reason="x")  # no AssignedTo at all
    assert board.ids("[State] = 'aCtIvE'") == [1, 2]
    assert board.ids("[State] <> 'active'") == [3, 4]
    assert board.ids("[State] > 'b'") == [3, 4]  # 'closed', 'new' > 'b'; 'active' < 'b'
    assert board.ids("[State] <= 'Active'") == [1, 2]
    assert board.ids("[Assigned To] = ''") == [1, 2, 3, 4]
    assert board.ids("[Assigned To] <> ''") == []


def test_equal_to_empty_matches_a_missing_value(board: Board) -> None:
    board.add(1, Title=None)
    board.add(2, Title="")
    board.add(3, Title="x")
    assert board.ids("[Title] = ''") == [1, 2]
    assert board.ids("[Title] <> ''") == [3]


def test_case_is_ignored_beyond_ascii(board: Board) -> None:
    board.add(
        1, Title="Café Müller", Tags="Ünïcode; zz", AssignedTo="José Núñez <jose@example.com>"
    )
    board.add(2, Title="Cafe Muller", Tags="unicode")
    assert board.ids("[Title] = 'CAFÉ MÜLLER'") == [1]
    assert board.ids("[Title] CONTAINS 'É MÜ'") == [1]
    assert board.ids("[Title] IN ('café müller', 'nothing')") == [1]
    assert board.ids("[Title] = 'cafe muller'") == [2]
    assert board.ids("[Tags] CONTAINS 'üNÏCODE'") == [1]
    assert board.ids("[Assigned To] = 'josé núñez'") == [1]


def test_in_and_not_in(board: Board) -> None:
    for i, state in enumerate(["New", "Active", "Closed", "Removed"], start=1):
        board.add(i, State=state)
    assert board.ids("[State] IN ('new', 'CLOSED')") == [1, 3]
    assert board.ids("[State] NOT IN ('new', 'CLOSED')") == [2, 4]
    assert board.ids("[System.Id] IN (4, 2, 99)") == [2, 4]
    assert board.ids("[System.Id] NOT IN (4, 2, 99)") == [1, 3]
    assert board.ids("[System.Id] <> 2 AND NOT [System.Id] IN (1)") == [3, 4]
    assert board.ids("[System.Id] = '3' OR [System.Rev] > 1") == [3]
    assert board.ids("[State] IN ('new', '') OR [State] IN ('REMOVED')") == [1, 4]


def test_numbers_compare_numerically_and_missing_numbers_only_match_negations(board: Board) -> None:
    board.add(1, Priority=9)
    board.add(2, Priority=10)
    board.add(3, Points=2.5)
    assert board.ids("[Priority] > 9") == [2]
    assert board.ids("[Priority] >= 9") == [1, 2]
    assert board.ids("[Priority] < 10") == [1]
    assert board.ids("[Priority] <> 9") == [2, 3]
    assert board.ids("[Story Points] = 2.5") == [3]
    assert board.ids("[Story Points] > '2'") == [3]  # a quoted number is still a number
    assert board.ids("[Priority] IS EMPTY") == [3]
    assert board.ids("[System.Id] >= 2 AND [System.Id] <= 3") == [2, 3]


def test_number_field_refuses_text(board: Board) -> None:
    error = error_of(board, "SELECT [System.Id] FROM WorkItems WHERE [Priority] = 'high'")
    assert error.message.startswith("TF212023: You cannot compare fields with different data")
    assert error.message.endswith("The error is caused by «'high'».")


def test_contains_is_a_case_insensitive_substring(board: Board) -> None:
    board.add(1, Title="Fix the Login page")
    board.add(2, Title="Logout")
    board.add(3, Title="Other")
    assert board.ids("[Title] CONTAINS 'LOG'") == [1, 2]
    assert board.ids("[Title] NOT CONTAINS 'login'") == [2, 3]


def test_contains_words_matches_whole_words(board: Board) -> None:
    board.add(1, Description="<p>The login page fails</p>")
    board.add(2, Description="<p>logins are slow</p>")
    board.add(3)
    assert board.ids("[Description] CONTAINS WORDS 'LOGIN page'") == [1]
    assert board.ids("[Description] CONTAINS WORDS 'login'") == [1]
    assert board.ids("[Description] NOT CONTAINS WORDS 'login'") == [2, 3]


def test_tags_contains_matches_a_whole_tag(board: Board) -> None:
    board.add(1, Tags="witsync:team-a; Urgent")
    board.add(2, Tags="witsync:team-ab")
    board.add(3, Tags="urgent-ish")
    board.add(4)
    assert board.ids("[System.Tags] CONTAINS 'witsync:team-a'") == [1]
    assert board.ids("[Tags] CONTAINS 'URGENT'") == [1]
    assert board.ids("[System.Tags] NOT CONTAINS 'urgent'") == [2, 3, 4]
    assert board.ids("[System.Tags] IS EMPTY") == [4]


def test_under_matches_the_node_and_below(board: Board) -> None:
    board.add(1, AreaPath="Alpha")
    board.add(2, AreaPath="Alpha\\Team A")
    board.add(3, AreaPath="Alpha\\Team A\\Sub")
    board.add(4, AreaPath="Alpha\\Team AB")
    assert board.ids("[Area Path] UNDER 'alpha\\team a'") == [2, 3]
    assert board.ids("[Area Path] NOT UNDER 'Alpha\\Team A'") == [1, 4]
    assert board.ids("[Area Path] UNDER 'Alpha'") == [1, 2, 3, 4]
    assert board.ids("[Area Path] = 'ALPHA\\TEAM AB'") == [4]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("[Title] UNDER 'x'",
         "TF51012: The UNDER operator can only be used with classification fields."),
        ("[Area Path] CONTAINS 'x'", "The specified operator cannot be used with area path "
         "fields."),
        ("[Area Path] > 'x'", "The specified operator cannot be used with area path fields."),
        ("[Priority] CONTAINS '1'", "Operator CONTAINS can be used with string type fields only."),
        ("[Description] = 'x'", "The specified operator cannot be used with long-text fields."),
        ("[Description] = [Title]",
         "TF212025: You cannot compare long text, HTML, or history fields to other fields in the "
         "WHERE clause of a work item query."),
        ("[Priority] = [Title]",
         "TF212023: You cannot compare fields with different data types in the WHERE clause of a "
         "work item query."),
    ],
)  # fmt: skip
def test_operators_the_field_type_does_not_allow(board: Board, where: str, message: str) -> None:
    error = error_of(board, f"SELECT [System.Id] FROM WorkItems WHERE {where}")
    assert error.message.startswith(message + " The error is caused by «")


def test_identities_match_by_email_display_name_or_whole_value(board: Board) -> None:
    board.add(1, AssignedTo=ME)
    board.add(2, AssignedTo="Bob Stone <bob@example.com>")
    board.add(3)
    assert board.ids("[Assigned To] = @Me") == [1]
    assert board.ids("[Assigned To] = 'ADA@example.com'") == [1]
    assert board.ids("[Assigned To] = 'ada lovelace'") == [1]
    assert board.ids("[Assigned To] = 'Ada L. <ada@example.com>'") == [1]  # by e-mail
    assert board.ids("[Assigned To] = 'Ada'") == []
    assert board.ids("[Assigned To] <> @me") == [2, 3]
    assert board.ids("[Assigned To] IN ('bob@example.com', @me)") == [1, 2]
    assert board.ids("[Assigned To] CONTAINS 'stone'") == [2]


def test_is_empty_and_is_not_empty(board: Board) -> None:
    board.add(1, Title="")
    board.add(2)
    assert board.ids("[Title] IS EMPTY") == [1]
    assert board.ids("[Title] IS NOT EMPTY") == [2]


def test_equal_to_empty_tests_emptiness_for_any_type(board: Board) -> None:
    board.add(1, Priority=2, ChangedDate="2026-11-21T08:00:00Z", Done=True)
    board.add(2)
    for field in ("Priority", "Changed Date", "Board Column Done"):
        assert board.ids(f"[{field}] = ''") == [2]
        assert board.ids(f"[{field}] <> ''") == [1]


def test_identity_stored_as_a_bare_email(board: Board) -> None:
    board.add(1, AssignedTo="ada@example.com")
    assert board.ids("[Assigned To] = @me") == [1]
    assert board.ids("[Assigned To] = 'ADA@example.com'") == [1]


def test_in_group_means_a_work_item_type_category(board: Board) -> None:
    for i, kind in enumerate(["User Story", "Product Backlog Item", "Task", "Bug", "Epic"], 1):
        board.add(i, WorkItemType=kind)
    where = "[System.WorkItemType] IN GROUP 'Microsoft.RequirementCategory'"
    assert board.ids(where) == [1, 2]
    assert board.ids(where.replace("IN GROUP", "NOT IN GROUP")) == [3, 4, 5]
    error = error_of(board, "SELECT [System.Id] FROM WorkItems WHERE [Work Item Type] IN GROUP 'x'")
    assert error.message.endswith("The error is caused by «'x'».")
    error = error_of(
        board, "SELECT [System.Id] FROM WorkItems WHERE [Assigned To] IN GROUP '[Alpha]\\Team'"
    )
    assert error.message.endswith("The error is caused by «[Assigned To]».")


def test_ever_is_answered_with_the_current_value(board: Board) -> None:
    board.add(1, State="Active", ChangedDate="2026-11-21T08:00:00Z")
    board.add(2)
    assert board.ids("[State] EVER 'active'") == [1]
    assert board.ids("EVER [State] = 'active'") == [1]
    assert board.ids("[Changed Date] EVER '2026-11-21T08:00:00Z'", time_precision=True) == [1]
    error = error_of(board, "SELECT [System.Id] FROM WorkItems WHERE [Changed Date] EVER @today")
    assert error.message.startswith("The EVER operator cannot be used to query a date type field")
    error = error_of(board, "SELECT [System.Id] FROM WorkItemLinks WHERE [State] EVER 'x'")
    assert error.message.startswith("The EVER operator can not be used inside link queries.")


def test_field_compared_with_another_field(board: Board) -> None:
    board.add(1, Priority=2, Remaining=2)
    board.add(2, Priority=1, Remaining=3)
    board.add(3, Title="new")  # title equals state, ignoring case
    assert board.ids("[Priority] = [Remaining Work]") == [1]
    assert board.ids("[Priority] < [Remaining Work]") == [2]
    assert board.ids("[Title] = [State]") == [3]


def test_boolean_fields(board: Board) -> None:
    board.add(1, Done=True)
    board.add(2, Done=False)
    board.add(3)
    assert board.ids("[Board Column Done] = true") == [1]
    assert board.ids("[Board Column Done] = 'False'") == [2]
    assert board.ids("[Board Column Done] <> TRUE") == [2, 3]


def test_the_services_symbolic_aliases_and_clause_order(board: Board) -> None:
    board.add(1, State="A", Priority=1)
    board.add(2, State="B", Priority=2)
    board.add(3, State="B")
    assert board.ids("[State] == 'a' || [Priority] != 1 && ![State] = 'a'") == [1, 2, 3]
    assert board.ids("NEVER [State] = 'b'") == [1]
    assert board.ids("EVER [State] CONTAINS 'b'") == [2, 3]
    result = board.run(
        "SELECT * FROM WorkItems ORDER BY [Priority] DESC NULLS FIRST WHERE [State] = 'B'"
    )
    assert result.columns == ()
    assert result.work_item_ids == (3, 2)
    last = board.run(
        "SELECT [System.Id] FROM WorkItems ORDER BY [Priority] NULLS LAST ASOF '2026-01-01'"
    )
    assert last.work_item_ids == (1, 2, 3)


def test_and_binds_tighter_than_or_and_not_negates_groups(board: Board) -> None:
    board.add(1, State="A", Priority=1)
    board.add(2, State="B", Priority=1)
    board.add(3, State="B", Priority=2)
    assert board.ids("[State] = 'A' OR [State] = 'B' AND [Priority] = 2") == [1, 3]
    assert board.ids("([State] = 'A' OR [State] = 'B') AND [Priority] = 2") == [3]
    assert board.ids("NOT ([State] = 'B' AND [Priority] = 1)") == [1, 3]
    assert board.ids("NOT NOT [State] = 'A'") == [1]


# ---------------------------------------------------------------- literals and macros


def test_quotes_are_escaped_by_doubling(board: Board) -> None:
    board.add(1, Title="O'Brien")
    board.add(2, Title='say "hi"')
    assert board.ids("[Title] = 'O''Brien'") == [1]
    assert board.ids('[Title] = "O\'Brien"') == [1]
    assert board.ids('[Title] = "say ""hi"""') == [2]
    assert board.ids("[Title] = 'say \"hi\"'") == [2]


@pytest.mark.parametrize(
    "title",
    [
        "x' OR '1'='1",
        "'); DROP TABLE work_items; --",
        "%",
        "_",
        "\\",
        'a" OR 1=1 --',
    ],
)
def test_injection_looking_literals_are_plain_values(board: Board, title: str) -> None:
    board.add(1, Title=title)
    board.add(2, Title="innocent")
    quoted = "'" + title.replace("'", "''") + "'"
    assert board.ids(f"[Title] = {quoted}") == [1]
    assert board.ids(f"[Title] CONTAINS {quoted}") == [1]
    assert board.ids(f"[Title] <> {quoted}") == [2]
    assert board.conn.execute("SELECT count(*) FROM work_items").fetchone() == (2,)


def test_day_precision_dates(board: Board) -> None:
    board.add(1, ChangedDate="2026-11-20T23:59:59.9Z")
    board.add(2, ChangedDate="2026-11-21T00:00:00Z")
    board.add(3, ChangedDate="2026-11-23T10:00:00.123Z")
    assert board.ids("[Changed Date] = '2026-11-21'") == [2]
    assert board.ids("[Changed Date] >= '11/21/2026'") == [2, 3]
    assert board.ids("[Changed Date] < '2026-11-21'") == [1]
    assert board.ids("[Changed Date] = @Today") == [3]
    assert board.ids("[Changed Date] >= @Today - 2") == [2, 3]
    assert board.ids("[Changed Date] < @today-2") == [1]


def test_a_time_needs_time_precision(board: Board) -> None:
    board.add(1, ChangedDate="2026-11-21T08:00:00Z")
    board.add(2, ChangedDate="2026-11-21T12:00:00Z")
    text = "SELECT [System.Id] FROM WorkItems WHERE [Changed Date] > '2026-11-21T10:00:00Z'"
    assert error_of(board, text).message == (
        "You cannot supply a time with the date when running a query using date precision. "
        "The error is caused by «'2026-11-21T10:00:00Z'»."
    )
    assert board.run(text, time_precision=True).work_item_ids == (2,)
    assert board.ids("[Changed Date] > '2026-11-21T09:00:00+02:00'", time_precision=True) == [1, 2]


def test_invalid_date_is_an_error(board: Board) -> None:
    error = error_of(board, "SELECT [System.Id] FROM WorkItems WHERE [Changed Date] = 'soon'")
    assert error.message == "TF51000: An unsupported date format. The error is caused by «'soon'»."


def test_start_of_macros(board: Board) -> None:
    board.add(1, ChangedDate="2026-10-31T12:00:00Z")
    board.add(2, ChangedDate="2026-11-01T12:00:00Z")
    board.add(3, ChangedDate="2026-11-22T12:00:00Z")  # a Sunday: start of this week
    board.add(4, ChangedDate="2025-12-31T12:00:00Z")
    assert board.ids("[Changed Date] >= @StartOfMonth") == [2, 3]
    assert board.ids("[Changed Date] >= @StartOfMonth('-1M')") == [1, 2, 3]
    assert board.ids("[Changed Date] >= @StartOfWeek") == [3]
    assert board.ids("[Changed Date] >= @StartOfYear") == [1, 2, 3]
    assert board.ids("[Changed Date] = @StartOfDay('-1d')") == [3]


def test_unsupported_macro_is_an_error(board: Board) -> None:
    error = error_of(
        board, "SELECT [System.Id] FROM WorkItems WHERE [Area Path] = @CurrentIteration"
    )
    assert error.message == "The macro '@CurrentIteration' is not defined."


def test_project_macro_needs_a_project_scoped_endpoint(board: Board) -> None:
    board.add(1, project="Alpha")
    board.add(2, project="Beta")
    assert board.ids("[System.TeamProject] = @project") == [1]
    assert board.ids("[System.TeamProject] = @Project", project="beta") == [2]
    error = error_of(
        board, "SELECT [System.Id] FROM WorkItems WHERE [Team Project] = @project", project=None
    )
    assert error.message == (
        "Queries with an @project clause can only be executed on the project specific "
        "WIQL endpoint."
    )


def test_project_in_the_url_does_not_filter_by_itself(board: Board) -> None:
    board.add(1, project="Alpha")
    board.add(2, project="Beta")
    assert board.run("SELECT [System.Id] FROM WorkItems").work_item_ids == (1, 2)


def test_deleted_items_and_other_organizations_are_invisible(board: Board) -> None:
    board.add(1)
    board.add(2, deleted=True)
    board.add(3, org="other")
    assert board.run("SELECT [System.Id] FROM WorkItems").work_item_ids == (1,)
    assert board.run("SELECT [System.Id] FROM WorkItems", org="other").work_item_ids == (3,)


# ---------------------------------------------------------------- ordering and limits


def test_order_by_several_keys_with_id_as_the_last_tie_breaker(board: Board) -> None:
    board.add(1, Priority=2, Title="b")
    board.add(2, Priority=1, Title="B")
    board.add(3, Priority=2, Title="a")
    board.add(4, Title="c")
    board.add(5, Priority=1, Title="A")
    result = board.run(
        "SELECT [System.Id] FROM WorkItems ORDER BY [Priority] ASC, [System.Title] DESC"
    )
    assert result.work_item_ids == (4, 2, 5, 1, 3)  # empty first; 'b' and 'B' tie -> by id
    assert result.sort_columns == (
        ("Microsoft.VSTS.Common.Priority", False),
        ("System.Title", True),
    )
    assert board.run("SELECT [System.Id] FROM WorkItems ORDER BY [Title]").work_item_ids == (
        3,
        5,
        1,
        2,
        4,
    )


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ("[Description]",
         "The specified field cannot be sorted by. The error is caused by «Description»."),
        ("[Tags]", "The specified field cannot be sorted by. The error is caused by «Tags»."),
        ("[State], [System.State] DESC",
         "The ORDER BY list can not contain duplicate fields. "
         "The error is caused by «[System.State]»."),
    ],
)  # fmt: skip
def test_order_by_refusals(board: Board, order: str, message: str) -> None:
    assert error_of(board, f"SELECT [System.Id] FROM WorkItems ORDER BY {order}").message == message


def test_dates_sort_by_instant_not_text(board: Board) -> None:
    board.add(1, ChangedDate="2026-11-21T08:00:00.5Z")
    board.add(2, ChangedDate="2026-11-21T08:00:00Z")
    board.add(3, ChangedDate="2026-11-20T08:00:00Z")
    ordered = board.run("SELECT [System.Id] FROM WorkItems ORDER BY [Changed Date] DESC")
    assert ordered.work_item_ids == (1, 2, 3)


def test_default_order_is_by_id(board: Board) -> None:
    for i in (5, 3, 9, 1):
        board.add(i)
    result = board.run("SELECT [System.Id], [System.Title] FROM WorkItems")
    assert result.work_item_ids == (1, 3, 5, 9)
    assert result.columns == ("System.Id", "System.Title")
    assert result.sort_columns == ()


def test_top_below_the_limit_truncates_silently(board: Board) -> None:
    for i in range(1, 11):
        board.add(i)
    text = "SELECT [System.Id] FROM WorkItems ORDER BY [System.Id] DESC"
    assert board.run(text, top=3, max_results=5).work_item_ids == (10, 9, 8)


@pytest.mark.parametrize("top", [None, 5, 50])
def test_more_results_than_the_limit_is_vs402337(board: Board, top: int | None) -> None:
    for i in range(1, 7):
        board.add(i)
    with pytest.raises(WiqlLimitError) as caught:
        board.run("SELECT [System.Id] FROM WorkItems", top=top, max_results=5)
    assert caught.value.message == (
        "VS402337: The number of work items returned exceeds the size limit of 5. "
        "Change the query to return fewer items."
    )
    assert caught.value.type_key == "WorkItemTrackingQueryResultSizeLimitExceededException"


def test_exactly_the_limit_is_fine(board: Board) -> None:
    for i in range(1, 6):
        board.add(i)
    assert len(board.run("SELECT [System.Id] FROM WorkItems", max_results=5).work_item_ids) == 5


# ---------------------------------------------------------------- link queries


@pytest.fixture
def tree(board: Board) -> Board:
    """1 -> (2 -> 4, 3); 5 alone; 6 -> 7 where 7 is Closed; 8 deleted under 1; 2 related to 5."""
    for i in range(1, 9):
        board.add(
            i,
            deleted=i == 8,
            State="Closed" if i == 7 else "New",
            WorkItemType="Epic" if i in (1, 6) else "Task",
        )
    for parent, child in [(1, 2), (1, 3), (2, 4), (6, 7), (1, 8)]:
        board.link(parent, child)
    board.relate(2, 5)
    return board


def hop(board: Board, where: str, mode: str = "") -> WiqlResult:
    return board.run(f"SELECT [System.Id] FROM WorkItemLinks WHERE {where} {mode}")


def test_must_contain_lists_sources_with_their_matching_links(tree: Board) -> None:
    result = hop(
        tree,
        f"[Source].[System.WorkItemType] = 'Epic' AND "
        f"[System.Links.LinkType] = '{FORWARD}' AND [Target].[System.State] = 'New'",
    )
    assert result.query_type == "oneHop"
    assert result.relations == (
        (None, None, 1),
        (FORWARD, 1, 2),
        (FORWARD, 1, 3),
    )  # 6 has only a Closed child; 8 is deleted


def test_may_contain_keeps_sources_without_links(tree: Board) -> None:
    result = hop(
        tree,
        "[Source].[System.WorkItemType] = 'Epic' AND [System.Links.LinkType] = 'Child' "
        "AND [Target].[System.State] = 'New'",
        "MODE (MayContain)",
    )
    assert result.relations == ((None, None, 1), (FORWARD, 1, 2), (FORWARD, 1, 3), (None, None, 6))


def test_does_not_contain_lists_only_sources_without_matching_links(tree: Board) -> None:
    result = hop(tree, f"[System.Links.LinkType] = '{FORWARD}'", "mode(DoesNotContain)")
    assert result.relations == ((None, None, 3), (None, None, 4), (None, None, 5), (None, None, 7))


def test_link_type_conditions_and_any_link(tree: Board) -> None:
    related = hop(tree, "[System.Links.LinkType] = 'system.linktypes.related'")
    assert related.relations == ((None, None, 2), (RELATED, 2, 5), (None, None, 5), (RELATED, 5, 2))
    any_link = hop(tree, "[System.Id] = 2 AND [System.Links.LinkType] <> ''")
    assert any_link.relations == (
        (None, None, 2),
        (REVERSE, 2, 1),
        (FORWARD, 2, 4),
        (RELATED, 2, 5),
    )


def test_targets_follow_the_order_by(tree: Board) -> None:
    result = hop(
        tree, f"[System.Id] = 1 AND [System.Links.LinkType] = '{FORWARD}' ORDER BY [System.Id] DESC"
    )
    assert result.relations == ((None, None, 1), (FORWARD, 1, 3), (FORWARD, 1, 2))


def test_recursive_returns_a_tree_with_each_item_once(tree: Board) -> None:
    result = hop(
        tree,
        f"[Source].[System.State] = 'New' AND [System.Links.LinkType] = '{FORWARD}'",
        "MODE (Recursive)",
    )
    assert result.query_type == "tree"
    assert result.relations == (
        (None, None, 1),
        (FORWARD, 1, 2),
        (FORWARD, 2, 4),
        (FORWARD, 1, 3),
        (None, None, 5),
        (None, None, 6),  # 7 is not New, but targets have no condition here, so it is a child
        (FORWARD, 6, 7),
    )


def test_recursive_applies_target_conditions_to_children(tree: Board) -> None:
    result = hop(
        tree,
        "[Source].[System.WorkItemType] = 'Epic' AND [Target].[System.State] <> 'Closed' "
        f"AND [System.Links.LinkType] = '{FORWARD}'",
        "MODE (Recursive, ReturnMatchingChildren)",
    )
    assert result.relations == (
        (None, None, 1),
        (FORWARD, 1, 2),
        (FORWARD, 2, 4),
        (FORWARD, 1, 3),
        (None, None, 6),
    )


def test_recursive_needs_a_tree_link_type(tree: Board) -> None:
    error = error_of(
        tree,
        f"SELECT [System.Id] FROM WorkItemLinks WHERE [System.Links.LinkType] = "
        f"'{RELATED}' MODE (Recursive)",
    )
    assert error.message == (
        "The specified link type can not be used with recursive tree query. "
        "The error is caused by «'System.LinkTypes.Related'»."
    )
    error = error_of(tree, "SELECT [System.Id] FROM WorkItemLinks MODE (Recursive)")
    assert error.message == "Tree query must contain one and only one link type."


def test_link_query_limits(tree: Board) -> None:
    text = f"SELECT [System.Id] FROM WorkItemLinks WHERE [System.Links.LinkType] = '{FORWARD}'"
    assert len(tree.run(text, top=2, max_results=3).relations) == 2
    with pytest.raises(WiqlLimitError):
        tree.run(text, max_results=3)


def test_source_and_target_in_one_clause_is_refused(tree: Board) -> None:
    error = error_of(
        tree,
        "SELECT [System.Id] FROM WorkItemLinks WHERE "
        "[Source].[System.Id] = 1 OR [Target].[System.Id] = 2",
    )
    assert error.message == "The link query can not mix expression with different prefixes."


def test_link_fields_are_refused_in_flat_queries(board: Board) -> None:
    error = error_of(board, "SELECT [System.Id] FROM WorkItems WHERE [System.Links.LinkType] = 'x'")
    assert error.message.startswith("TF51005")
    error = error_of(board, "SELECT [System.Id] FROM WorkItems WHERE [Target].[System.Id] = 1")
    assert error.message.endswith("«[Target]».")
    error = error_of(board, "SELECT [System.Id] FROM WorkItems MODE (Recursive)")
    assert error.message.endswith("«MODE».")


def test_the_reference_examples_run_unchanged(tree: Board) -> None:
    """The one-hop and tree queries of the API reference's WIQL samples."""
    one_hop = tree.run(
        "SELECT [System.Id], [System.Links.LinkType], [System.WorkItemType], [System.Title], "
        "[System.State] FROM WorkItemLinks WHERE ([Source].[System.TeamProject] = @project AND  "
        "[Source].[System.WorkItemType] IN GROUP 'Microsoft.TaskCategory'  AND  "
        "[Source].[System.State] <> 'Done') AND ([System.Links.LinkType] <> '') And "
        "([Target].[System.State] <> 'Removed' AND [Target].[System.WorkItemType] NOT IN GROUP "
        "'Microsoft.FeatureCategory') mode(MustContain)"
    )
    assert one_hop.columns[1] == "System.Links.LinkType"
    assert one_hop.relations == (
        (None, None, 2), (REVERSE, 2, 1), (FORWARD, 2, 4), (RELATED, 2, 5),
        (None, None, 3), (REVERSE, 3, 1),
        (None, None, 4), (REVERSE, 4, 2),
        (None, None, 5), (RELATED, 5, 2),
        (None, None, 7), (REVERSE, 7, 6),
    )  # fmt: skip
    recursive = tree.run(
        "Select [System.Id], [System.WorkItemType], [System.Title], [System.AssignedTo], "
        "[System.State] From WorkItemLinks WHERE (Source.[System.TeamProject] = @project and "
        "Source.[System.State] <> 'Removed') and ([System.Links.LinkType] = "
        "'System.LinkTypes.Hierarchy-Forward') and (Target.[System.WorkItemType] <> '') "
        "mode(Recursive)"
    )
    assert recursive.relations == (
        (None, None, 1), (FORWARD, 1, 2), (FORWARD, 2, 4), (FORWARD, 1, 3),
        (None, None, 5),
        (None, None, 6), (FORWARD, 6, 7),
    )  # fmt: skip


# ---------------------------------------------------------------- against a reference evaluator

STATES = ["New", "new", "Active", "ÉTÉ", "été", "O'Brien", "50% done", "a_b", ""]
TAGS = ["x", "X; y", "witsync:a; z", "é; Ü", None]
PATHS = ["Alpha", "Alpha\\Team A", "alpha\\team a\\Sub", "Alpha\\Team AB", "Alpha\\ÉTÉ\\x"]


def oracle(leaf: tuple[str, str, Any], item: dict[str, Any]) -> bool:
    field, op, value = leaf
    if field == "State":
        text = (item.get("State") or "").lower()
        if op == "IN":
            return text in [v.lower() for v in value]
        if op == "CONTAINS":
            return value.lower() in text
        return (text == value.lower()) == (op == "=")
    if field == "AreaPath":
        path, wanted = item["AreaPath"].lower(), value.lower()
        node = wanted.rstrip("\\")  # UNDER 'A\\B\\' means the node A\\B
        under = path == node or path.startswith(node + "\\")
        return under == (op == "UNDER") if op != "=" else path == wanted
    if field == "Tags":
        tags = [t.strip().lower() for t in (item.get("Tags") or "").split(";")]
        return item.get("Tags") is not None and value.lower() in tags
    number = item.get("Priority")
    if op == "<>":
        return number != value
    if number is None:
        return False
    return {"=": number == value, "<": number < value, ">": number > value}[op]


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def leaf_text(leaf: tuple[str, str, Any]) -> str:
    field, op, value = leaf
    field = {"AreaPath": "Area Path"}.get(field, field)
    if op == "IN":
        return f"[{field}] IN ({', '.join(quote(v) for v in value)})"
    if isinstance(value, int):
        return f"[{field}] {op} {value}"
    return f"[{field}] {op} {quote(value)}"


leaves = st.one_of(
    st.tuples(st.just("State"), st.sampled_from(["=", "<>", "CONTAINS"]), st.sampled_from(STATES)),
    st.tuples(st.just("State"), st.just("IN"), st.lists(st.sampled_from(STATES), min_size=1)),
    st.tuples(st.just("Tags"), st.just("CONTAINS"), st.sampled_from(["x", "Y", "witsync:a", "É"])),
    st.tuples(st.just("Priority"), st.sampled_from(["=", "<>", "<", ">"]), st.integers(1, 4)),
    st.tuples(
        st.just("AreaPath"),
        st.sampled_from(["UNDER", "NOT UNDER", "="]),
        st.sampled_from([*PATHS, "alpha\\été", "ALPHA\\TEAM A\\"]),
    ),
)
expressions = st.recursive(
    leaves.map(lambda leaf: ("leaf", leaf)),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["AND", "OR"]), inner, inner),
        st.tuples(st.just("NOT"), inner),
    ),
    max_leaves=6,
)


def render(expr: Any) -> str:
    if expr[0] == "leaf":
        return leaf_text(expr[1])
    if expr[0] == "NOT":
        return f"NOT ({render(expr[1])})"
    return f"({render(expr[1])} {expr[0]} {render(expr[2])})"


def evaluate(expr: Any, item: dict[str, Any]) -> bool:
    if expr[0] == "leaf":
        return oracle(expr[1], item)
    if expr[0] == "NOT":
        return not evaluate(expr[1], item)
    left, right = evaluate(expr[1], item), evaluate(expr[2], item)
    return (left and right) if expr[0] == "AND" else (left or right)


items_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "State": st.sampled_from([*STATES, None]),
            "Tags": st.sampled_from(TAGS),
            "Priority": st.sampled_from([1, 2, 3, 4, None]),
            "AreaPath": st.sampled_from(PATHS),
        }
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=items_strategy, expr=expressions)
def test_matches_a_reference_evaluator(items: list[dict[str, Any]], expr: Any) -> None:
    board = Board()
    try:
        for i, fields in enumerate(items, start=1):
            board.add(i, **fields)
        expected = [i for i, item in enumerate(items, start=1) if evaluate(expr, item)]
        assert board.ids(render(expr)) == expected
    finally:
        board.conn.close()


sort_keys = st.lists(
    st.tuples(st.sampled_from(["State", "Priority", "Area Path"]), st.booleans()),
    min_size=1,
    max_size=3,
    unique_by=lambda key: key[0],
)


@settings(max_examples=60, deadline=None)
@given(items=items_strategy, keys=sort_keys)
def test_order_by_matches_a_reference_sort(
    items: list[dict[str, Any]], keys: list[tuple[str, bool]]
) -> None:
    board = Board()
    try:
        for i, fields in enumerate(items, start=1):
            board.add(i, **fields)
        order = ", ".join(f"[{name}] {'DESC' if desc else 'ASC'}" for name, desc in keys)
        got = board.run(f"SELECT [System.Id] FROM WorkItems ORDER BY {order}").work_item_ids
        expected = list(range(1, len(items) + 1))  # id is the last tie-breaker
        for name, desc in reversed(keys):
            if name == "Priority":  # empty sorts first ascending, as NULL does
                expected.sort(
                    key=lambda i: (
                        items[i - 1]["Priority"] is not None,
                        items[i - 1]["Priority"] or 0,
                    ),
                    reverse=desc,
                )
            else:
                field = {"Area Path": "AreaPath"}.get(name, name)
                expected.sort(key=lambda i: (items[i - 1][field] or "").lower(), reverse=desc)
        assert list(got) == expected
    finally:
        board.conn.close()
