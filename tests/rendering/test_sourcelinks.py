"""Links from a plan to its manifest lines, from what the CI run's environment says."""

from __future__ import annotations

import pytest

from witsync.model import Location
from witsync.rendering.sourcelinks import SourceLinks, safe_url, source_links

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_a_url_cannot_end_a_markdown_link_or_an_html_attribute_early() -> None:
    assert safe_url('https://x/a b)"<c>\\') == "https://x/a%20b%29%22%3Cc%3E%5C"
    assert safe_url("https://x/p?a=1&b=%2F#L3") == "https://x/p?a=1&b=%2F#L3"


GITHUB_ENV = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "fabrikam/backlog",
    "GITHUB_SHA": SHA,
    "GITHUB_WORKSPACE": "/home/runner/work/backlog/backlog",
}


def test_github_actions_links_a_manifest_line_at_the_commit() -> None:
    links = source_links(GITHUB_ENV, "/home/runner/work/backlog/backlog")
    assert links == SourceLinks(
        "github",
        "https://github.com/fabrikam/backlog",
        SHA,
        "/home/runner/work/backlog/backlog",
        "/home/runner/work/backlog/backlog",
    )
    location = Location("backlog/sign in.yaml", 14, 5)
    assert links.url(location) == (
        f"https://github.com/fabrikam/backlog/blob/{SHA}/backlog/sign%20in.yaml#L14"
    )
    assert links.commit_url == f"https://github.com/fabrikam/backlog/commit/{SHA}"


def test_paths_are_taken_from_where_witsync_ran_within_the_checkout() -> None:
    root = "/home/runner/work/backlog/backlog"
    links = source_links(GITHUB_ENV, f"{root}/teams/web")
    assert links is not None
    assert links.path("a.yaml") == "teams/web/a.yaml"
    assert links.path("./x/../b.yaml") == "teams/web/b.yaml"
    assert links.path("../shared/c.yaml") == "teams/shared/c.yaml"
    assert links.path(f"{root}/d.yaml") == "d.yaml"  # a path given absolute
    # Outside the repository there is nothing to link to.
    assert links.path("../../../../elsewhere.yaml") is None
    assert links.path("/tmp/e.yaml") is None
    assert links.url(Location("/tmp/e.yaml", 1, 1)) is None


def test_azure_repos_links_use_its_own_url_form_without_the_user_part() -> None:
    env = {
        "BUILD_REPOSITORY_URI": "https://fabrikam@dev.azure.com/fabrikam/Fabrikam/_git/backlog",
        "BUILD_REPOSITORY_PROVIDER": "TfsGit",
        "BUILD_SOURCEVERSION": SHA,
        "BUILD_SOURCESDIRECTORY": "/agent/_work/1/s",
    }
    links = source_links(env, "/agent/_work/1/s")
    assert links is not None
    assert links.host == "azure-repos"
    assert links.url(Location("backlog/a.yaml", 7, 3)) == (
        "https://dev.azure.com/fabrikam/Fabrikam/_git/backlog?path=/backlog/a.yaml"
        f"&version=GC{SHA}&line=7&lineEnd=8&lineStartColumn=1&lineEndColumn=1"
        "&lineStyle=plain&_a=contents"
    )
    assert links.commit_url == (
        f"https://dev.azure.com/fabrikam/Fabrikam/_git/backlog/commit/{SHA}"
    )


def test_azure_devops_server_repository_without_a_provider_is_recognised() -> None:
    env = {
        "BUILD_REPOSITORY_URI": "https://server/tfs/Collection/Fabrikam/_git/backlog",
        "BUILD_SOURCEVERSION": SHA,
    }
    links = source_links(env, "/agent/s")
    assert links is not None
    assert links.host == "azure-repos"
    assert links.repository == "https://server/tfs/Collection/Fabrikam/_git/backlog"
    assert links.workspace == "/agent/s"  # no BUILD_SOURCESDIRECTORY: where witsync ran


def test_azure_pipelines_building_a_github_repository_links_to_github() -> None:
    env = {
        "BUILD_REPOSITORY_URI": "https://github.com/fabrikam/backlog.git",
        "BUILD_REPOSITORY_PROVIDER": "GitHub",
        "BUILD_SOURCEVERSION": SHA,
        "BUILD_SOURCESDIRECTORY": "/agent/s",
    }
    links = source_links(env, "/agent/s")
    assert links is not None
    assert links.url(Location("a.yaml", 2, 1)) == (
        f"https://github.com/fabrikam/backlog/blob/{SHA}/a.yaml#L2"
    )


@pytest.mark.parametrize(
    "env",
    [
        {},  # a laptop
        {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "a/b"},  # no commit
        {"BUILD_REPOSITORY_URI": "https://dev.azure.com/o/p/_git/r"},  # no commit
        {  # a host whose URL forms are not known
            "BUILD_REPOSITORY_URI": "https://bitbucket.org/o/r",
            "BUILD_REPOSITORY_PROVIDER": "Bitbucket",
            "BUILD_SOURCEVERSION": SHA,
        },
        {"BUILD_REPOSITORY_URI": "$/Fabrikam/Main", "BUILD_SOURCEVERSION": "123"},  # TFVC
    ],
)
def test_without_a_repository_and_commit_there_are_no_source_links(
    env: dict[str, str],
) -> None:
    assert source_links(env, "/w") is None
