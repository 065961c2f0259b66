"""The HTML plan, read as a document: the tree, the marks and counts, the changes, the links.

What a person sees in a browser is checked in tests/test_browser.py; here the page is parsed
(html.parser) so every property is checked quickly and exactly.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

from plan_support import showcase_plan

from witsync.model import (
    REL_PARENT,
    Action,
    FieldChange,
    FieldEdit,
    LinkChange,
    Location,
    Plan,
    PlanItem,
    PlanWarning,
    Step,
    Target,
)
from witsync.rendering.html import render_html
from witsync.rendering.html_tree import build_tree
from witsync.rendering.planfile import dump_plan, load_plan


class Tree(HTMLParser):
    """The items of the page: (depth, mark, key, title, open) in page order, and the page's
    visible text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[dict[str, object]] = []
        self.depth = -1
        self.stack: list[str] = []
        self.field: str | None = None
        self.text: list[str] = []
        self.in_style = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag in ("style", "script"):
            self.in_style = True
        if tag == "li" and "n" in classes:
            self.depth += 1
            mark = next(c[2:] for c in classes if c.startswith("a-"))
            self.items.append(
                {"depth": self.depth, "mark": mark, "id": values["id"], "type": values["data-t"]}
            )
        if tag == "li":
            self.stack.append("n" if "n" in classes else "li")
        if tag == "details" and self.items and "open" not in self.items[-1]:
            self.items[-1]["open"] = "open" in values
        for name in ("ti", "key", "wid"):
            if name in classes and self.items:
                self.field = name

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.in_style = False
        if tag == "li" and self.stack and self.stack.pop() == "n":
            self.depth -= 1
        if tag in ("span", "code", "i", "a"):
            self.field = None

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            self.text.append(data)
        if self.field is not None and self.field not in self.items[-1]:
            self.items[-1][self.field] = data

    def shape(self) -> list[tuple[object, ...]]:
        return [(i["depth"], i["mark"], i["key"]) for i in self.items]

    @property
    def visible(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def page_of(plan: Plan) -> tuple[str, Tree]:
    page = render_html(plan)
    return page, Tree(page)


def test_the_tree_of_the_items_after_the_plan_with_their_marks():
    _, tree = page_of(showcase_plan())
    assert tree.shape() == [
        (0, "create", "sign-in"),
        (1, "create", "msa"),
        (0, "update", "billing"),  # adopted: an update of an existing item
        (1, "update", "paper"),  # moved under billing by this plan
        (2, "remove", "letters"),  # still under paper on the board, closed by prune
    ]
    by_key = {item["key"]: item for item in tree.items}
    assert by_key["paper"]["wid"] == "#101"
    assert "wid" not in by_key["msa"]  # a new item has no id yet: its mark says create


def test_the_counts_are_the_plans_own():
    page, tree = page_of(showcase_plan())
    counts = re.findall(r'<li class="c-(\w+)"><span class="n">(\d+)</span>', page)
    assert counts == [("create", "2"), ("update", "2"), ("remove", "1"), ("unchanged", "0")]
    assert "Plan: 2 to create, 2 to update, 1 to remove, 0 unchanged." in tree.visible
    # and the filters count what the tree holds, by action and by type
    assert re.findall(r'value="(\w+)" checked>.*?<span class="n">(\d+)</span>', page)[:4] == [
        ("create", "2"), ("update", "2"), ("remove", "1"), ("unchanged", "0"),
    ]  # fmt: skip


def test_field_changes_diffs_drift_links_location_and_notes():
    page, tree = page_of(showcase_plan())
    text = tree.visible
    # the title's words: deleted and inserted, shown as text
    assert "<del>Paper </del><ins>Opt out of paper </ins>billing<del> (edited)</del>" in page
    # rich text compared as the words a reader sees, not as markup
    assert "Customers get <ins>no </ins>paper bills." in page
    assert "&lt;p&gt;" not in page
    assert "<strong>no" not in page
    # tags: the ones that go struck through before, the new one underlined after
    assert '<ins class="tag">q3</ins>' in page
    # who changed the drifted field and link on the board, and when, under their heading
    assert (
        "changed on the board by Carol <carol@fabrikam.com>, 2026-11-20 09:30 UTC (rev 2)" in text
    )
    assert "added on the board by Carol <carol@fabrikam.com>, 2026-11-20 09:31 UTC" in text
    heading = '<tr class="origin origin-board"><th colspan="3" scope="rowgroup">Drift on the board'
    assert heading in page
    assert "drift on the board" in text  # on the item's line in the tree
    # links added and removed, to the board (the local board: where `witsync board` serves)
    assert "add link Parent → #100 billing" in text
    assert "remove link Parent → #102" in text
    assert 'href="http://127.0.0.1:8765/local/Fabrikam/_workitems/edit/102"' in page
    # the manifest file:line, a new item's values, notes, warnings
    assert "manifest backlog.yaml:15" in text
    assert "remainingWork create-only" in text
    assert "<dd>4</dd>" in page
    assert "note: created in state 'New', where every new User Story starts" in text
    assert "warning marker-without-key: work item #104" in text
    assert "closed (state 'Closed')" in text


def test_a_new_items_parent_is_the_tree_not_a_line_in_its_panel():
    page, _tree = page_of(showcase_plan())
    start = page.index('id="item-msa"')
    msa = page[start : page.index('<li class="n', start)]
    shown = Tree(msa).visible
    assert "add link Parent" not in shown  # it is drawn under sign-in
    assert "add link Related" in shown


def _plan(items: list[PlanItem], actions: tuple[Action, ...] = (), **more: object) -> Plan:
    target = Target("https://dev.azure.com/fabrikam", "Fabrikam Web", "web")
    unchanged = len(items) - len(actions)
    return Plan(target, actions, unchanged, items=tuple(items), **more)  # type: ignore[arg-type]


def _update(key: str, id: int, title: str = "New title") -> Action:
    return Action(
        "update", key, "Task", title, id, 4, (Step("update", ()),),
        field_changes=(FieldChange("System.Title", "Old title", title),),
    )  # fmt: skip


def test_unchanged_branches_start_closed_and_changed_ones_open():
    items = [
        PlanItem("quiet", "Epic", "Nothing changes here", 1),
        PlanItem("quiet-f", "Feature", "Still nothing", 2, "quiet"),
        PlanItem("quiet-t", "Task", "Nothing", 3, "quiet-f"),
        PlanItem("busy", "Epic", "Something changes below", 4),
        PlanItem("busy-f", "Feature", "Its child changes", 5, "busy"),
        PlanItem("busy-t", "Task", "Old title", 6, "busy-f"),
    ]
    page, tree = page_of(_plan(items, (_update("busy-t", 6),)))
    opened = {item["key"]: item.get("open") for item in tree.items}
    assert opened["quiet"] is False
    assert opened["quiet-f"] is False
    assert opened["busy"] is True
    assert opened["busy-f"] is True
    assert "quiet-t" in opened  # in the page, inside the closed branch
    assert "2 unchanged below" in tree.visible
    # an unchanged item links to the board: the organization's, with the project encoded
    assert 'href="https://dev.azure.com/fabrikam/Fabrikam%20Web/_workitems/edit/3"' in page


def test_a_plan_file_without_the_overview_still_shows_every_change():
    plan = showcase_plan()
    document = dump_plan(plan).replace('"items": [', '"ignored": [')
    older = load_plan(re.sub(r',\s*"ignored": \[.*\]\s*}\s*$', "\n}\n", document, flags=re.S))
    assert older.items == ()
    _, tree = page_of(older)
    # only the changed items, each placed under the parent its Parent link names
    assert sorted(tree.shape()) == sorted(
        [
            (0, "create", "sign-in"),
            (1, "create", "msa"),
            (0, "update", "billing"),
            (1, "update", "paper"),
            (0, "remove", "letters"),
        ]
    )


IMAGE = '<img src=x onerror="alert(1)">'


def test_what_people_typed_is_shown_never_run():
    nasty = '<script>alert("t")</script> & "quotes"'
    action = Action(
        "update", 'k"><b>', "Task", nasty, 7, 2, (Step("update", ()),),
        field_changes=(
            FieldChange("System.Description", "<p>old</p>", "<p>new" + IMAGE + "</p>"),
            FieldChange("Custom.Note", "a", "\x1b[2Jcleared"),
        ),
        notes=("<iframe src=//evil>",),
    )  # fmt: skip
    warning = PlanWarning("odd", "<b>bold?</b>", key='k"><b>')
    page, tree = page_of(_plan([PlanItem('k"><b>', "Task", nasty, 7)], (action,),
                               warnings=(warning,)))  # fmt: skip
    body = page[page.index("<body>") :]
    assert "<script>alert" not in body
    assert "<img" not in body
    assert "<iframe" not in body
    assert "<b>bold?</b>" not in body
    assert 'k"><b>' not in body
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in body
    assert "\\x1b[2Jcleared" in tree.visible  # a control character written out, never sent
    assert "\x1b" not in page


def test_the_page_fetches_nothing():
    page, _ = page_of(showcase_plan())
    assert "default-src 'none'" in page  # and the browser enforces it
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert not re.search(r"\bsrc=", page)
    assert "@import" not in page
    assert "url(" not in page
    # the only addresses are links a reader follows
    for href in re.findall(r'href="([^"#][^"]*)"', page):
        assert href.startswith("http://127.0.0.1:8765/local/Fabrikam/")


def test_the_same_plan_makes_the_same_page():
    assert render_html(showcase_plan()) == render_html(showcase_plan())


def test_a_cycle_in_a_damaged_plan_file_loses_no_item():
    items = [
        PlanItem("a", "Task", "A", 1, "c"),
        PlanItem("b", "Task", "B", 2, "a"),
        PlanItem("c", "Task", "C", 3, "b"),
        PlanItem("d", "Task", "D", 4, "b"),
    ]
    roots, nodes = build_tree(_plan(items))
    assert sorted(node.key for node in nodes) == ["a", "b", "c", "d"]
    assert len(roots) == 1


def test_a_deep_chain_of_parents_renders():
    items = [PlanItem(f"k{n}", "Task", f"T{n}", n + 1, f"k{n - 1}" if n else None)
             for n in range(3_000)]  # fmt: skip
    _, tree = page_of(_plan(items))
    assert len(tree.items) == 3_000
    assert tree.items[-1]["depth"] == 2_999


def test_an_item_under_a_parent_outside_the_set_says_so():
    items = [PlanItem("child", "Task", "Child", 9, 42)]
    _, tree = page_of(_plan(items))
    assert "under #42 (outside the set)" in tree.visible


def test_a_reopened_item_is_marked_reopen():
    reopen = dataclasses.replace(_update("back", 5), kind="reopen")
    restore = dataclasses.replace(_update("undeleted", 6), kind="restore")
    rekey = dataclasses.replace(_update("moved", 7), kind="rekey")
    items = [PlanItem(key, "Task", "New title", n) for n, key in
             ((5, "back"), (6, "undeleted"), (7, "moved"))]  # fmt: skip
    page, tree = page_of(_plan(items, (reopen, restore, rekey)))
    assert tree.shape() == [(0, "reopen", "back"), (0, "reopen", "undeleted"),
                            (0, "update", "moved")]  # fmt: skip
    assert '<b class="m m-reopen">restore</b>' in page  # the word says what happens
    assert '<b class="m m-update">rekey</b>' in page
    assert '<li class="c-reopen"><span class="n">2</span>' in page
    assert '<li class="c-update"><span class="n">1</span>' in page


def test_removed_items_sit_under_their_parents():
    remove = Action(
        "remove", "old-task", "Task", "Old task", 8, 3, (Step("delete", ()),),
        notes=("deleted (recycle bin)",),
    )  # fmt: skip
    items = [
        PlanItem("epic", "Epic", "Epic", 1, None, "New", Location("b.yaml", 1, 1)),
        PlanItem("old-task", "Task", "Old task", 8, "epic", "New"),
    ]
    _, tree = page_of(_plan(items, (remove,)))
    assert tree.shape() == [(0, "unchanged", "epic"), (1, "remove", "old-task")]


def test_parent_links_of_the_fallback_tree_follow_link_changes():
    create = Action(
        "create", "child", "Task", "Child", None, None, (Step("create", ()),),
        link_changes=(LinkChange("add", REL_PARENT, "parent", None),),
    )  # fmt: skip
    parent = Action(
        "create", "parent", "Epic", "Parent", None, None, (Step("create", ()),),
        field_changes=(FieldChange("System.Title", None, "Parent", last_edit=None),),
    )  # fmt: skip
    plan = Plan(Target("https://x.example/o", "P", "s"), (parent, create), 0)
    _, tree = page_of(plan)
    assert tree.shape() == [(0, "create", "parent"), (1, "create", "child")]


def test_drift_on_a_tag_change_names_who():
    change = FieldChange(
        "System.Tags",
        "a; b",
        "a; c",
        last_edit=FieldEdit("Dan <dan@x.com>", "2026-01-02T03:04:05Z", 7),
    )
    action = dataclasses.replace(_update("t", 1), field_changes=(change,))
    page, tree = page_of(_plan([PlanItem("t", "Task", "New title", 1)], (action,)))
    assert '<del class="tag">b</del>' in page
    assert '<ins class="tag">c</ins>' in page
    assert "last set on the board by Dan <dan@x.com>, 2026-01-02 03:04 UTC (rev 7)" in tree.visible
