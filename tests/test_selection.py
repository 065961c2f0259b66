"""What export selects: WIQL with escaped values, filters on what a query cannot narrow."""

from __future__ import annotations

from witsync.model import LiveItem
from witsync.selection import Selection, field_list, flat_query, subtree_query, within


def test_paths_are_escaped_into_the_query() -> None:
    query = flat_query(Selection(area="Fabrikam\\O'Brien", iteration="Fabrikam\\Sprint 1"))
    assert query.text() == (
        "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND "
        "[System.AreaPath] UNDER 'Fabrikam\\O''Brien' AND "
        "[System.IterationPath] UNDER 'Fabrikam\\Sprint 1' ORDER BY [System.Id]"
    )
    assert "[Source].[System.Id] = 42 AND" in subtree_query(42)
    assert "MODE (Recursive)" in subtree_query(42)


def test_area_and_iteration_narrow_a_subtree_a_query_or_ids() -> None:
    def item(id: int, area: str) -> LiveItem:
        return LiveItem(id, 1, {"System.AreaPath": area, "System.IterationPath": "P"})

    items = [item(1, "P\\Web"), item(2, "P\\Web\\Checkout"), item(3, "P\\Webshop"), item(4, "P")]
    chosen = within(items, Selection(ids=(1, 2, 3, 4), area="p\\web"))
    assert [i.id for i in chosen] == [1, 2]
    assert within(items, Selection(area="P\\Web")) == items  # the query did it already


def test_field_names_friendly_or_by_reference() -> None:
    assert field_list(["acceptanceCriteria,Custom.Risk", "system.title", "Custom.Risk"]) == [
        "Microsoft.VSTS.Common.AcceptanceCriteria",
        "Custom.Risk",
        "System.Title",
    ]
