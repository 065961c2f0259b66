"""The Markdown rendering: summary table, a collapsed section per item, and the size limit."""

from __future__ import annotations

import dataclasses
import re

from golden_support import check_golden
from markdown_it import MarkdownIt
from plan_support import showcase_plan

from witsync.model import (
    Action,
    FieldChange,
    FieldEdit,
    LinkChange,
    Location,
    PlanWarning,
    Step,
    Target,
)
from witsync.rendering.markdown import LIMIT, render_markdown
from witsync.rendering.markdown_fields import RICH_DIFF
from witsync.rendering.sourcelinks import SourceLinks

ORG = Target("https://dev.azure.com/fabrikam", "Fabrikam", "web")
SHA = "8f14e45fceea167a5a36dedd4bea2543c1d4e8b2"
GITHUB = SourceLinks("github", "https://github.com/fabrikam/backlog", SHA, "/w", "/w")


def test_golden_markdown():
    # In a GitHub pull request planned against an organization: items link to the board,
    # actions to their manifest lines.
    plan = dataclasses.replace(showcase_plan(), target=ORG)
    check_golden("plan.md", render_markdown(plan, sources=GITHUB))


def test_summary_table_and_sections():
    text = render_markdown(showcase_plan())
    assert "| `+` create | 2 |" in text
    assert "| `-` remove | 1 |" in text
    # one per item, and one more for the drift part of the item that has both; rich text has
    # its own, open
    assert text.count("<details>") == 6
    assert text.index("#### From the manifests") < text.index("#### Drift on the board")
    drift = text.partition("#### Drift on the board")[2]
    assert "changed on the board by Carol &lt;carol@fabrikam.com&gt;" in drift
    assert "remove link Parent → \\#102 (added on the board by Carol" in drift
    assert text.count("<details") == text.count("</details>")
    assert "_(create-only)_" in text


def _many(count: int, description: str = "x" * 500, field: str = "System.Description"):
    base = showcase_plan()
    actions = tuple(
        Action(
            kind="update",
            key=f"item-{n}",
            type="Task",
            title=f"Item {n} | with a pipe",
            id=1000 + n,
            rev=3,
            steps=(Step("update", ()),),
            field_changes=(
                FieldChange("System.Title", "old", f"new {n}"),
                FieldChange(field, description, description + " more"),
            ),
        )
        for n in range(count)
    )
    return dataclasses.replace(base, actions=actions)


def test_two_thousand_items_stay_under_the_limit_with_a_note():
    text = render_markdown(_many(2000), plan_file="plan.json")
    assert len(text) <= LIMIT
    assert "more actions not shown" in text
    assert "The full plan is in `plan.json`." in text
    sections = text.count("<details>")
    rows = text.count("| `~` update | \\#")
    assert sections > 20
    assert rows > 200  # past the sections' share, one line per item
    assert f"**{2000 - sections - rows} more actions not shown**" in text
    # Every item shown once, in plan order, sections first.
    assert text.index("<code>item-0</code>") < text.index(f"| item-{sections} |")
    assert text.count("<details") == text.count("</details>")
    assert "| `~` update | 2000 |" in text


def test_without_a_plan_file_the_note_says_how_to_get_one():
    text = render_markdown(_many(2000), limit=20_000)
    assert len(text) <= 20_000
    assert "`witsync plan --out plan.json`" in text


def test_cells_cannot_break_the_table_or_the_fence():
    plan = _many(1, description="```\n| not a column |\n```", field="Custom.Notes")
    text = render_markdown(plan)
    assert "Item 0 \\| with a pipe" not in text  # the title is in HTML, where | is harmless
    assert "````diff" in text  # a longer fence than any backtick run in the diff


def test_huge_values_are_cut_in_cells():
    plan = _many(1)
    wide = dataclasses.replace(
        plan.actions[0], field_changes=(FieldChange("Custom.List", None, ["y" * 50] * 10),)
    )
    text = render_markdown(dataclasses.replace(plan, actions=(wide,)))
    row = next(line for line in text.splitlines() if line.startswith("| Custom.List"))
    assert row.endswith("… |")
    assert len(row) < 300


# A title, value or name typed on the board (or in a manifest) reaches the comment, and from
# there e-mail notifications, CI logs and terminals: ESC (CSI), OSC (a hyperlink, a window
# title), BEL and CR must be written out, as the text plan writes them.
OSC_LINK = "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07"
SNEAKY_TITLE = f"Pay\x1b[2K\x1b[1Aok {OSC_LINK}\rFAKE\x9b1m\x9d0;t\x07"
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _sneaky_plan():
    from witsync.model import FieldEdit, LinkChange, PlanWarning

    base = showcase_plan()
    action = Action(
        kind="update",
        key="k\x1bey",  # keys of board items come from their marker URLs: anything
        type="Task\x07",
        title=SNEAKY_TITLE,
        id=7,
        rev=3,
        steps=(Step("update", ()),),
        field_changes=(
            FieldChange(
                "System.Title",
                "old\x1b[31m",
                SNEAKY_TITLE,
                last_edit=FieldEdit("Eve\x1b]0;pwned\x07 <eve@x>", "2026-11-20T09:30:00Z", 2),
            ),
            FieldChange("Custom.Note", None, f"value {OSC_LINK}\r"),
            FieldChange("System.Description", "a\nb", "a\nb\x1b[2Kc\r\n" + "x" * 80),
        ),
        link_changes=(LinkChange("add", "System.LinkTypes.Related", "t\x1bk", 9),),
        notes=("note \x1b[8mhidden\x07",),
    )
    warning = PlanWarning("missing-from-manifests", f"work item #9 ('{SNEAKY_TITLE}') left", id=9)
    return dataclasses.replace(base, actions=(action,), warnings=(warning,))


def test_control_characters_are_written_out_everywhere_in_the_markdown_plan() -> None:
    text = render_markdown(_sneaky_plan())
    assert RAW_CONTROL.findall(text) == []
    summary = next(line for line in text.splitlines() if line.startswith("<details><summary>"))
    assert "Pay\\x1b[2K\\x1b[1Aok \\x1b]8;;https://evil.example\\x07click" in summary
    assert "\\x0dFAKE\\x9b1m\\x9d0;t\\x07" in summary
    assert "<code>k\\x1bey</code>" in summary
    assert "Task\\x07" in summary
    # In Markdown (outside the HTML line) the backslash is escaped itself, so that it shows.
    assert "by Eve\\\\x1b\\]0;pwned\\\\x07 &lt;eve@x&gt;" in text  # who last set it
    assert '"value \\\\x1b\\]8;;https://evil.example\\\\x07click' in text  # a table cell
    assert "+FAKE\\x9b1m" in text  # the diff of a long value (a fenced block: no escaping)
    assert "b<ins>\\\\x1b\\[2Kc" in text  # rich text: Markdown, escaped
    assert "→ \\#9 (t\\\\x1bk)" in text  # a link target's key
    assert "- _note \\\\x1b\\[8mhidden\\\\x07_" in text
    warning = next(line for line in text.splitlines() if line.startswith("- `missing"))
    assert "('Pay\\\\x1b\\[2K\\\\x1b\\[1Aok \\\\x1b\\]8;;" in warning
    assert "\\\\x07\\\\x0dFAKE\\\\x9b1m\\\\x9d0;t\\\\x07')" in warning


def test_control_characters_are_written_out_in_the_one_line_rows() -> None:
    text = render_markdown(_sneaky_plan(), limit=1400)  # too small for the section: a row
    assert "**More changes**" in text
    assert RAW_CONTROL.findall(text) == []
    row = next(line for line in text.splitlines() if line.startswith("| `~` update | \\#7"))
    assert row.startswith("| `~` update | \\#7 | k\\\\x1bey | Pay\\\\x1b\\[2K\\\\x1b\\[1Aok")


def test_a_line_break_in_a_title_cannot_end_the_summary_html_block() -> None:
    plan = _sneaky_plan()
    action = dataclasses.replace(plan.actions[0], title="one\n\n**two**")
    text = render_markdown(dataclasses.replace(plan, actions=(action,)))
    summary = "<summary><code>~</code> update Task\\x07 #7 <code>k\\x1bey</code> one<br><br>**two**"
    assert summary in text
    assert "\n\n**two**" not in text


def test_errors_are_listed_apart_from_warnings():
    plan = showcase_plan()
    error = dataclasses.replace(plan.warnings[0], code="duplicate-key", severity="error")
    text = render_markdown(dataclasses.replace(plan, warnings=(error, *plan.warnings)))
    errors, warnings = text.index("**Errors (apply is blocked) (1)**"), text.index("**Warnings (")
    assert errors < text.index("`duplicate-key`") < warnings


# ---------------------------------------------------------------------------------------------
# Issue 12: names as the YAML writes them, links to the board and the manifests, who set the
# Before value, rich text as text.

GFM = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def _update(*changes: FieldChange, id: int = 7, **extra: object) -> Action:
    return Action(
        kind="update",
        key="story",
        type="User Story",
        title="A story",
        id=id,
        rev=3,
        steps=(Step("update", ()),),
        field_changes=changes,
        **extra,  # type: ignore[arg-type]
    )


def _render(*actions: Action, target: Target = ORG, **options: object) -> str:
    plan = dataclasses.replace(showcase_plan(), target=target, actions=actions, warnings=())
    return render_markdown(plan, **options)  # type: ignore[arg-type]


def test_fields_are_named_as_the_manifests_name_them_with_the_reference_name_on_hover() -> None:
    text = _render(
        _update(
            FieldChange("Microsoft.VSTS.Scheduling.StoryPoints", 3, 5),
            FieldChange("Custom.Risk", "low", "high"),  # no friendly name: as written
        )
    )
    row = '| <abbr title="Microsoft.VSTS.Scheduling.StoryPoints">storyPoints</abbr> | 3 | 5 |'
    assert row in text
    assert "| Custom.Risk |" in text
    assert "Microsoft.VSTS.Scheduling.StoryPoints</abbr>" not in text
    # The one-line rows of a long plan too.
    rows = render_markdown(_many(3), limit=1500)
    assert "| title, description |" in rows


def test_every_work_item_links_to_the_board_of_an_on_premises_collection() -> None:
    server = Target("https://server/tfs/Collection", "Fabrikam Web", "web")
    link = LinkChange("add", "System.LinkTypes.Related", "other", 9)
    note = "moved from #12 (its old parent)"
    text = _render(_update(link_changes=(link,), notes=(note,)), target=server)
    base = "https://server/tfs/Collection/Fabrikam%20Web"
    assert text.startswith(
        f"### witsync plan: [Fabrikam Web]({base}/_boards/backlog) on "
        "[server/tfs/Collection](https://server/tfs/Collection) (scope `web`)\n"
    )
    assert f'update User Story <a href="{base}/_workitems/edit/7">#7</a>' in text
    assert f"- add link Related → [#9]({base}/_workitems/edit/9) (other)" in text
    assert f"- _moved from [#12]({base}/_workitems/edit/12) (its old parent)_" in text
    warning = PlanWarning("marker-without-key", "work item #104 is tagged", id=104)
    plan = dataclasses.replace(showcase_plan(), target=server, warnings=(warning,))
    assert f"work item [#104]({base}/_workitems/edit/104) is tagged" in render_markdown(plan)
    rows = render_markdown(dataclasses.replace(_many(3), target=server), limit=1500)
    assert f"| `~` update | [#1000]({base}/_workitems/edit/1000) |" in rows


def test_on_the_local_board_items_are_not_linked_and_the_heading_says_so() -> None:
    text = _render(_update(), target=Target("http://local-board/local", "Fabrikam", "web"))
    assert text.startswith("### witsync plan: Fabrikam on the local board (scope `web`)")
    assert "update User Story #7" in text
    assert "](" not in text
    assert "href" not in text


def test_each_action_links_to_its_manifest_line_in_azure_repos() -> None:
    repos = SourceLinks(
        "azure-repos", "https://dev.azure.com/fabrikam/Fabrikam/_git/backlog", SHA, "/s", "/s"
    )
    where = Location("backlog/b.yaml", 12, 5)
    text = _render(_update(location=where), sources=repos)
    url = (
        "https://dev.azure.com/fabrikam/Fabrikam/_git/backlog?path=/backlog/b.yaml"
        f"&version=GC{SHA}&line=12&lineEnd=13"
    )
    assert f"Manifest: [backlog/b.yaml:12]({url}" in text
    commit = f"https://dev.azure.com/fabrikam/Fabrikam/_git/backlog/commit/{SHA}"
    assert f"Manifests at commit [`{SHA[:12]}`]({commit})." in text
    # Without a CI repository the place is still named, not linked.
    assert "Manifest: backlog/b.yaml:12\n" in _render(_update(location=where))


def test_who_last_set_a_field_is_told_on_the_before_side() -> None:
    edit = FieldEdit("Carol <carol@fabrikam.com>", "2026-11-20T09:30:00Z", 2)
    text = _render(
        _update(
            FieldChange("System.Title", "Edited on the board", "From the manifest", last_edit=edit),
            FieldChange("System.Description", "<p>Old words</p>", "<p>New</p>", last_edit=edit),
        )
    )
    by = "last set on the board by Carol &lt;carol@fabrikam.com&gt; at 2026-11-20T09:30:00Z, rev 2"
    row = next(line for line in text.splitlines() if "System.Title" in line)
    cells = [cell.strip() for cell in row.strip("|").split(" | ")]
    assert cells[1] == f'"Edited on the board"<br><sub>{by}</sub>'
    assert cells[2] == '"From the manifest"'
    assert f"<sub>Before: {by}</sub>" in text  # the rich text block's Before side


def _rich(before: str | None, after: str | None, field: str = "System.Description") -> str:
    return _render(_update(FieldChange(field, before, after)))


def test_rich_text_reads_as_text_with_the_changed_words_marked() -> None:
    before = "<div><p>Customers get <b>paper</b> bills &amp; letters.</p><ul><li>one</li></ul>"
    after = "<div><p>Customers get <b>no</b> paper bills &amp; letters.</p><ul><li>one</li>"
    text = _rich(before + "</div>", after + "<li>two, three</li></ul></div>")
    summary = '<details open><summary><b><abbr title="System.Description">description</abbr></b>'
    assert f"{summary}: 3 words added</summary>" in text
    body = text[text.index(summary) :]
    body = body[body.index("</summary>") : body.index("</details>")]
    assert body == (
        "</summary>\n\nCustomers get <ins>no</ins> paper bills &amp; letters.<br>• one<br>"
        "<ins>• two, three</ins>\n\n"
    )
    # As GitHub shows it: words underlined (struck through when deleted), no markup as text.
    shown = GFM.render(text)
    assert "<p>Customers get <ins>no</ins> paper bills &amp; letters.<br>• one<br>" in shown
    assert "&lt;" not in shown
    assert "• one<br><del>• two</del>\n" in _rich(after + "<li>two</li></ul>", after + "</ul>")


def test_rich_text_that_only_changes_its_formatting_shows_the_markup() -> None:
    text = _rich("<p>Pay <b>now</b></p>", "<p>Pay <i>now</i></p>")
    assert "description</abbr></b>: the same words, other formatting</summary>" in text
    assert "\n-<p>Pay <b>now</b>\n+<p>Pay <i>now</i>\n" in text
    # Markup without any text to read: the value as it is.
    assert '| (empty) | "&lt;p&gt;&lt;/p&gt;" |' in _rich(None, "<p></p>")


def test_rich_text_new_or_cleared_is_shown_whole_and_short_text_in_the_table() -> None:
    long = "<p>" + " ".join(f"word{n}" for n in range(40)) + "</p>"
    created = _rich(None, long)
    assert "description</abbr></b>: new, 40 words</summary>" in created
    assert "word0 word1" in created
    assert "<ins>" not in created
    cleared = _rich(long, None)
    assert "description</abbr></b>: cleared, 40 words removed</summary>" in cleared
    assert "<del>word0 word1" in cleared
    short = _rich(None, "<p>Remind <strong>customers</strong>.</p>")
    name = '<abbr title="System.Description">description</abbr>'
    assert f"| {name} | (empty) | Remind customers. |" in short


def test_a_custom_html_field_is_rich_text_but_a_known_plain_field_never_is() -> None:
    custom = _rich("<p>a b c</p>", "<p>a c</p>", field="Custom.Notes")
    assert "a <del>b </del>c" in custom or "a <del>b</del> c" in custom
    title = _rich("<b>literal</b> title", "<b>literal</b> title!", field="System.Title")
    assert '"&lt;b&gt;literal&lt;/b&gt; title"' in title  # the value as it is sent


def test_rich_text_cannot_start_a_markdown_block_or_run_unbounded() -> None:
    text = _rich("<ol><li>first</li></ol>", "<ol><li>first</li><li>second</li></ol>")
    assert "\n1\\. first<br><ins>2. second</ins>" in text  # "1." would start a Markdown list
    hyphen = _rich("<p>- not a list</p>", "<p>- not a list either</p>")
    assert "\n\\- not a list" in hyphen
    words = " ".join(f"w{n}" for n in range(3000))
    huge = _rich(f"<p>{words}</p>", f"<p>{words.replace('w1', 'v1')}</p>")
    block = huge[huge.index("<details open>") :]
    assert len(block) < 2 * RICH_DIFF
    assert "(the plan file has the whole text)" in block
