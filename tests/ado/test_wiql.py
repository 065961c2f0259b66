"""Client-side WIQL: escaping, the managed-set query, and recognising queries that can be paged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from witsync.ado.wiql import FlatQuery, field, literal, managed_set, parse_flat


def test_literal_doubles_single_quotes() -> None:
    assert literal("it's") == "'it''s'"
    assert literal("''") == "''''''"
    assert literal(42) == "42"


def test_literal_refuses_booleans() -> None:
    with pytest.raises(TypeError):
        literal(True)


def test_number_literals_are_plain_digits() -> None:
    assert literal(2.5) == "2.5"
    assert literal(1e-07) == "0.0000001"
    assert literal(1e20) == "100000000000000000000"
    assert literal(-3) == "-3"
    with pytest.raises(ValueError, match="no literal"):
        literal(float("nan"))


@given(st.text())
def test_the_managed_set_query_reads_back_for_any_tag(tag: str) -> None:
    query = managed_set(tag)
    assert parse_flat(query.text()) == query
    assert parse_flat(query.text(after_id=7)) == FlatQuery(
        f"({query.condition}) AND [System.Id] > 7"
    )


@given(st.text())
def test_literal_is_one_token_that_reads_back(value: str) -> None:
    quoted = literal(value)
    assert quoted.startswith("'")
    assert quoted.endswith("'")
    inner = quoted[1:-1]
    # Every quote inside is doubled, so the literal cannot end early and inject WIQL.
    assert inner.replace("''", "").count("'") == 0
    assert inner.replace("''", "'") == value


def test_field_names_cannot_break_out_of_brackets() -> None:
    assert field("System.Title") == "[System.Title]"
    assert field("Remaining Work") == "[Remaining Work]"
    for bad in ("x]", "a] OR [b", "", "[x"):
        with pytest.raises(ValueError, match="WIQL field name"):
            field(bad)


def test_managed_set_query_is_the_documented_one() -> None:
    assert managed_set("witsync:web").text() == (
        "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project "
        "AND [System.Tags] CONTAINS 'witsync:web' ORDER BY [System.Id]"
    )


def test_managed_set_escapes_the_tag() -> None:
    text = managed_set("witsync:o'brien").text()
    assert "CONTAINS 'witsync:o''brien' ORDER BY" in text


def test_next_page_adds_an_id_range_around_the_condition() -> None:
    query = FlatQuery("[System.State] = 'New' OR [System.State] = 'Active'")
    assert query.text(after_id=120) == (
        "SELECT [System.Id] FROM WorkItems WHERE ([System.State] = 'New' OR "
        "[System.State] = 'Active') AND [System.Id] > 120 ORDER BY [System.Id]"
    )


def test_parse_flat_round_trips_its_own_queries() -> None:
    query = managed_set("witsync:a order by b")
    assert parse_flat(query.text()) == query
    assert parse_flat(query.text(after_id=5)) == FlatQuery(
        f"({query.condition}) AND [System.Id] > 5"
    )


def test_parse_flat_is_case_insensitive_and_ignores_keywords_in_strings() -> None:
    text = (
        "select [System.Id], [System.Title] from workitems where [System.Title] = 'a WHERE b "
        "ORDER BY c' order by [system.id] asc"
    )
    assert parse_flat(text) == FlatQuery("[System.Title] = 'a WHERE b ORDER BY c'")


@pytest.mark.parametrize(
    "text",
    [
        "SELECT [System.Id] FROM WorkItems WHERE [System.Id] > 0 ORDER BY [System.Title]",
        "SELECT [System.Id] FROM WorkItems WHERE [System.Id] > 0 ORDER BY [System.Id] DESC",
        "SELECT [System.Id] FROM WorkItems WHERE [System.Id] > 0",
        "SELECT [System.Id] FROM WorkItemLinks WHERE [Source].[System.Id] > 0 ORDER BY [System.Id]",
        "SELECT [System.Id] FROM WorkItems WHERE [System.Id] > 0 ORDER BY [System.Id] "
        "ASOF '2024-01-01'",
        "not wiql at all",
    ],
)
def test_parse_flat_refuses_what_cannot_be_paged_by_id(text: str) -> None:
    assert parse_flat(text) is None


def test_a_field_name_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(ValueError, match="not a usable WIQL field name"):
        field("System.Title\n")
