"""The friendly field names: one table, shared by loading (which resolves them) and rendering."""

from __future__ import annotations

from witsync import fields
from witsync.loading import fieldnames


def test_loading_and_the_renderings_read_one_table() -> None:
    # A name added for manifests is shown by the plans, and the other way round.
    assert fieldnames.FRIENDLY_FIELDS is fields.FRIENDLY_FIELDS
    assert fieldnames.REFERENCE_TO_FRIENDLY is fields.REFERENCE_TO_FRIENDLY
    assert fields.display_name("Microsoft.VSTS.Scheduling.StoryPoints") == "storyPoints"
    assert fields.display_name("Custom.Risk") == "Custom.Risk"


def test_the_rich_text_fields_are_fields_of_the_table() -> None:
    assert set(fields.FRIENDLY_FIELDS.values()) >= fields.RICH_TEXT_FIELDS
    assert "System.Title" not in fields.RICH_TEXT_FIELDS
