"""The pull-request comment when there is no plan: every error with its place and hint, escaped
for Markdown, within the comment size limit."""

from __future__ import annotations

from witsync.errors import Diagnostic, ManifestError, TransientError
from witsync.model import Location
from witsync.rendering.failure import render_failure_markdown


def test_a_table_of_the_errors_then_the_warnings() -> None:
    error = ManifestError(
        [
            Diagnostic(
                "error",
                "unknown property 'titel'",
                Location("a.yaml", 6, 5),
                "did you mean 'title'?",
            ),
            Diagnostic("warning", "item 'x' has no title", Location("b.yaml", 2, 3)),
            Diagnostic("error", "no scope given"),
        ]
    )
    comment = render_failure_markdown(error, project="Fabrikam", scope="web")
    assert comment.splitlines() == [
        "### witsync plan for project Fabrikam, scope `web`: 2 errors in the manifests",
        "",
        "**No plan**: the manifests are invalid. Fix these and push again "
        "(`witsync validate` shows them locally).",
        "",
        "**Errors (2)**",
        "",
        "| Where | Problem | Hint |",
        "| --- | --- | --- |",
        "| `a.yaml:6:5` | unknown property 'titel' | did you mean 'title'? |",
        "|  | no scope given |  |",
        "",
        "**Warnings (1)**",
        "",
        "| Where | Problem | Hint |",
        "| --- | --- | --- |",
        "| `b.yaml:2:3` | item 'x' has no title |  |",
        "",
    ]


def test_what_a_manifest_says_cannot_break_the_table_or_the_markdown() -> None:
    error = ManifestError(
        [Diagnostic("error", "bad | value *here*\n<script>", Location("we`ird|.yaml", 1, 1), "a|b")]
    )
    row = render_failure_markdown(error).splitlines()[-2]
    # a line break written out (`\n`, its backslash escaped), HTML shown as text
    assert row == "| `we'ird\\|.yaml:1:1` | bad \\| value \\*here\\*\\\\n&lt;script&gt; | a\\|b |"


def test_a_long_list_is_cut_with_a_note_under_the_limit() -> None:
    error = ManifestError(
        [Diagnostic("error", f"problem {n}", Location("a.yaml", n, 1)) for n in range(1, 3000)]
    )
    comment = render_failure_markdown(error, limit=5_000)
    assert len(comment) <= 5_000
    assert "more lines not shown** to keep this comment short; the CI log has them all." in comment
    assert "| `a.yaml:1:1` | problem 1 |  |" in comment


def test_any_other_error_is_its_message_and_hint() -> None:
    error = TransientError("no answer from dev.azure.com within 60 s", hint="raise --timeout")
    assert render_failure_markdown(error, project="Fabrikam").splitlines() == [
        "### witsync plan for project Fabrikam: failed",
        "",
        "**Error**: no answer from dev.azure.com within 60 s",
        "",
        "Hint: raise --timeout",
        "",
    ]
