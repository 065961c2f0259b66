"""Values compared as Azure DevOps means them."""

from __future__ import annotations

import pytest

from witsync.model import FieldInfo
from witsync.planning.normalize import (
    canonical,
    canonical_html,
    display_value,
    field_kind,
    identity_key,
    is_empty,
    join_tags,
    quick_canonical,
    tag_list,
    to_html,
    wire_value,
)


def same(kind: str, a, b) -> bool:
    return canonical(kind, a) == canonical(kind, b)


@pytest.mark.parametrize(
    ("ref", "info", "kind"),
    [
        ("System.Tags", FieldInfo("System.Tags", "Tags", "plainText"), "tags"),
        (
            "System.AssignedTo",
            FieldInfo("System.AssignedTo", "Assigned To", "string", is_identity=True),
            "identity",
        ),
        ("X", FieldInfo("X", "X", "identity"), "identity"),
        ("System.Description", FieldInfo("System.Description", "D", "html"), "html"),
        ("P", FieldInfo("P", "P", "integer"), "number"),
        ("P", FieldInfo("P", "P", "picklistDouble"), "number"),
        ("System.AreaPath", FieldInfo("System.AreaPath", "A", "treePath"), "path"),
        ("D", FieldInfo("D", "D", "dateTime"), "date"),
        ("B", FieldInfo("B", "B", "boolean"), "bool"),
        ("S", FieldInfo("S", "S", "string"), "text"),
        ("System.State", FieldInfo("System.State", "State", "string"), "state"),
        ("Unknown.Field", None, "text"),
    ],
)
def test_field_kind(ref, info, kind):
    assert field_kind(ref, info) == kind


def test_tags_are_a_case_insensitive_set():
    assert same("tags", "b; A", ("a", "B"))
    assert same("tags", "a, b;;  ", "b;a")
    assert not same("tags", "a; b", "a")
    assert canonical("tags", "") is None
    assert canonical("tags", ()) is None
    assert tag_list("Beta; alpha; BETA") == ("Beta", "alpha")
    assert join_tags(["b", "A", "c"]) == "A; b; c"


@pytest.mark.parametrize(
    "form",
    [
        "jamal@fabrikam.com",
        "JAMAL@Fabrikam.com",
        "Jamal Hartnett <jamal@fabrikam.com>",
        {
            "displayName": "Jamal Hartnett",
            "uniqueName": "jamal@fabrikam.com",
            "descriptor": "aad.x",
        },
    ],
)
def test_identities_compare_by_email_in_any_form(form):
    assert identity_key(form) == "jamal@fabrikam.com"
    assert same("identity", form, "Jamal Hartnett <JAMAL@fabrikam.com>")


def test_identity_without_email_falls_back_to_descriptor():
    assert identity_key({"displayName": "Build", "descriptor": "svc.ABC"}) == "svc.abc"
    assert not same("identity", "ann@fabrikam.com", "bob@fabrikam.com")
    assert canonical("identity", "") is None


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("<p>Hello<br>world</p>", "<p>Hello<br/>world</p>"),
        ("<p>a</p>\n\n<p>b</p>", "<p>a</p><p>b</p>"),
        ('<a title="t" href="x">l</a>', "<a href='x' title='t'>l</a>"),
        ("<P>Upper</P>", "<p>Upper</p>"),
        ("<p>unclosed", "<p>unclosed</p>"),
        ("<p>a &amp; b</p>", "<p>a &#38; b</p>"),
        ("<p>x<script>alert(1)</script></p>", "<p>x</p>"),
        ('<p onclick="evil()">x</p>', "<p>x</p>"),
        ("<p>non&nbsp;breaking</p>", "<p>non breaking</p>"),
    ],
)
def test_html_survives_a_sanitiser(sent, stored):
    assert canonical_html(sent) == canonical_html(stored)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("<p>a</p>", "<p>b</p>"),
        ("<b>x</b>", "<i>x</i>"),
        ('<a href="x">l</a>', '<a href="y">l</a>'),
    ],
)
def test_html_changes_are_seen(a, b):
    assert canonical_html(a) != canonical_html(b)


def test_markdown_is_rendered_before_sending_and_comparing():
    assert to_html("Some **bold**") == "<p>Some <strong>bold</strong></p>\n"
    assert to_html("<div>already html</div>") == "<div>already html</div>"
    assert wire_value("html", "- a\n- b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
    assert same("html", "Some **bold**", "<p>Some <strong>bold</strong></p>")
    assert not same("html", "Some **bold**", "<p>Some bold</p>")


def test_numbers_by_value():
    assert same("number", 2, 2.0)
    assert same("number", "2", 2.0)
    assert not same("number", 2, 2.5)
    assert display_value("number", 4.0) == 4


def test_paths_case_insensitively():
    assert same("path", "Fabrikam\\Web", "fabrikam\\WEB")
    assert not same("path", "Fabrikam\\Web", "Fabrikam\\Mobile")


def test_dates_by_instant():
    assert same("date", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00")
    assert same("date", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00Z")
    assert not same("date", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")


def test_dates_to_the_millisecond_the_board_keeps():
    # The board stores milliseconds: a manifest's microseconds must not be a change forever.
    assert same("date", "2026-12-01T10:00:00.123456+02:00", "2026-12-01T08:00:00.123Z")
    assert not same("date", "2026-12-01T08:00:00.124Z", "2026-12-01T08:00:00.123Z")


def test_booleans():
    assert same("bool", True, "true")
    assert same("bool", False, "False")
    assert not same("bool", True, False)
    assert canonical("bool", False) is False  # False is a value, not empty


def test_empty_is_empty_whatever_its_form():
    for value in (None, "", "   ", (), []):
        assert is_empty(value)
        assert canonical("text", value) is None
    assert not is_empty(0)
    assert canonical("number", 0) == 0.0


def test_states_case_insensitively():
    # The board stores a state in its process spelling: "active" comes back "Active".
    assert same("state", "active", "Active")
    assert not same("state", "Active", "Closed")


def test_text_line_endings():
    assert same("text", "a\r\nb", "a\nb")
    assert not same("text", "a", "A")


def test_text_fields_store_numbers_and_booleans_as_text():
    # A string field given 2 in YAML comes back from the board as "2".
    assert same("text", 2, "2")
    assert same("text", 2.0, "2.0")
    assert same("text", 2.5, "2.5")
    assert same("text", True, "True")
    assert not same("text", 2, "3")


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("<b>x</b> <i>y</i>", "<strong>x</strong> <em>y</em>"),
        ('<p style="color: red">x</p>', "<p>x</p>"),
        ("<p>x<form><input></form></p>", "<p>x</p>"),
        ('<a href="vbscript:x">l</a>', "<a>l</a>"),
    ],
)
def test_html_sanitiser_spellings(sent, stored):
    assert canonical_html(sent) == canonical_html(stored)


def test_a_dropped_void_element_drops_nothing_after_it():
    # <embed> has no end tag: dropping it must not swallow the rest of the document.
    assert canonical_html("<div><embed src=x>kept</div>") == canonical_html("<div>kept</div>")


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("a<!-- note -->b", "ab"),
        ("x<script>s</script>y", "xy"),
        ("<p>q<!-- c -->- f</p>", "<p>q- f</p>"),
        ("[l](u)<", "[l](u)&lt;"),
    ],
)
def test_text_around_what_a_sanitiser_drops_stays_one_run(sent, stored):
    assert canonical_html(sent) == canonical_html(stored)
    assert canonical_html("a <!-- note --> b") != canonical_html("ab")


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("<https://example.com/a> has the details", 'href="https://example.com/a"'),
        ("<ann@fabrikam.com> knows", 'href="mailto:ann@fabrikam.com"'),
    ],
)
def test_markdown_starting_with_an_autolink_is_markdown(text, link):
    assert link in to_html(text)
    assert to_html("<p>x</p>") == "<p>x</p>"
    assert to_html("<x-note>x</x-note>") == "<x-note>x</x-note>"


def test_a_stored_value_is_html_never_markdown():
    # The sanitiser dropped the leading <iframe>: what is left is stored HTML, not Markdown.
    sent = "<iframe src=x></iframe>Watch *this*"
    assert canonical("html", sent) == canonical("html", "Watch *this*", as_stored=True)
    assert quick_canonical("html", "a") != quick_canonical("html", "a", as_stored=True)
