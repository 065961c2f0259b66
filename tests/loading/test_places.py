"""Places: an item's field positions held compactly, read as the `{ref: Location}` they are."""

from __future__ import annotations

import pytest

from witsync.loading.places import PlaceBook, Places
from witsync.model import Location


def test_places_read_as_the_locations_they_were_made_from():
    places = PlaceBook("a.yaml").places({"System.Title": (12, 5), "System.State": (3, 1)})
    assert isinstance(places, Places)
    assert places == {
        "System.Title": Location("a.yaml", 12, 5),
        "System.State": Location("a.yaml", 3, 1),
    }
    assert list(places) == ["System.Title", "System.State"]  # in the order written
    assert places["System.State"] == Location("a.yaml", 3, 1)
    assert places.get("System.Tags") is None
    assert "System.Title" in places
    assert "System.Tags" not in places
    with pytest.raises(KeyError):
        places["System.Tags"]


def test_items_stating_the_same_fields_share_their_names():
    book = PlaceBook("a.yaml")
    one = book.places({"System.Title": (1, 1)})
    two = book.places({"System.Title": (9, 7)})
    assert one._refs is two._refs
    assert two["System.Title"] == Location("a.yaml", 9, 7)


def test_a_column_too_far_right_to_pack_is_kept_as_a_location():
    places = PlaceBook("a.yaml").places({"System.Title": (1, 1 << 24)})
    assert places == {"System.Title": Location("a.yaml", 1, 1 << 24)}


def test_a_loaded_item_keeps_its_field_positions(tmp_path):
    from witsync.loading.loader import load
    from witsync.loading.options import LoadOptions

    (tmp_path / "a.yaml").write_text(
        "apiVersion: witsync/v1\nscope: s\nitems:\n  - key: a\n    type: Task\n"
        "    title: A\n    fields:\n      Custom.Notes: n\n"
    )
    (item,) = load([tmp_path], LoadOptions()).items
    name = str(tmp_path / "a.yaml")
    assert item.field_locations == {
        "System.Title": Location(name, 6, 5),
        "Custom.Notes": Location(name, 8, 7),
    }
