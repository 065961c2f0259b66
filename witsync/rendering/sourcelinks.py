"""Links from a plan to its manifests: a file and line in the repository, at the commit planned.

Only a CI run says which repository and commit the manifests were read from, so the command
reads its environment (`source_links(os.environ, cwd)`) and hands the renderer a `SourceLinks`:
GitHub's `…/blob/<sha>/<path>#L<line>` or Azure Repos' `…?path=/<path>&version=GC<sha>&line=<line>`.
Pure: the environment comes in as a mapping, paths are worked out without the file system.
(Links to work items on the board are witsync.rendering.boardlinks.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal
from urllib.parse import quote, urlsplit

from witsync.model import Location

GITHUB_VARIABLES = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_WORKSPACE")
AZURE_VARIABLES = (
    "BUILD_REPOSITORY_URI",
    "BUILD_SOURCEVERSION",
    "BUILD_REPOSITORY_PROVIDER",
    "BUILD_SOURCESDIRECTORY",
)
CI_VARIABLES = GITHUB_VARIABLES + AZURE_VARIABLES
"""Every variable `source_links` reads (tests clear them, so a run in CI renders as one on a
laptop does)."""

_URL_SAFE = ":/?#@!$&'*+,;=%~"
"""Kept as they are in a URL put into Markdown or HTML; anything else (spaces, quotes, angle
brackets, parentheses, backslashes) is percent-encoded, so a link can never end early."""


def safe_url(url: str) -> str:
    """`url` with every character that could end a Markdown link or an HTML attribute encoded."""
    return quote(url, safe=_URL_SAFE)


@dataclass(frozen=True)
class SourceLinks:
    """Where the manifests are: a repository's web address and the commit that was planned.

    `workspace` is the checkout's folder and `cwd` the folder witsync ran in (both absolute), so
    that a manifest path as the plan names it (`backlog/a.yaml`, relative to `cwd`) becomes its
    path in the repository.
    """

    host: Literal["github", "azure-repos"]
    repository: str
    """`https://github.com/owner/repo`, `https://dev.azure.com/org/project/_git/repo`."""
    commit: str
    workspace: str
    cwd: str

    @property
    def commit_url(self) -> str:
        return safe_url(f"{self.repository}/commit/{self.commit}")

    def path(self, file: str) -> str | None:
        """`file`'s path in the repository (`/`-separated), None when it is outside it."""
        path = PurePath(file)
        if not path.is_absolute():
            path = PurePath(self.cwd) / path
        parts: list[str] = []
        for part in path.parts[1:] if path.anchor else path.parts:
            if part == "..":
                if not parts:
                    return None
                parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        resolved = PurePath(path.anchor, *parts)
        try:
            inside = resolved.relative_to(self.workspace)
        except ValueError:
            return None
        return "/".join(inside.parts) or None

    def url(self, location: Location) -> str | None:
        """The address of `location`'s line at the commit; None for a file outside the
        repository."""
        path = self.path(location.file)
        if path is None:
            return None
        if self.host == "github":
            return safe_url(f"{self.repository}/blob/{self.commit}/{quote(path)}#L{location.line}")
        query = (
            f"path={quote('/' + path)}&version=GC{quote(self.commit, safe='')}"
            f"&line={location.line}&lineEnd={location.line + 1}"
            "&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents"
        )
        return safe_url(f"{self.repository}?{query}")


def source_links(environ: Mapping[str, str], cwd: str) -> SourceLinks | None:
    """What the CI run says about the repository and commit: GitHub Actions (`GITHUB_SERVER_URL`,
    `GITHUB_REPOSITORY`, `GITHUB_SHA`) or Azure Pipelines (`BUILD_REPOSITORY_URI`,
    `BUILD_SOURCEVERSION`, for an Azure Repos or GitHub repository); None outside CI."""
    server, repository = environ.get("GITHUB_SERVER_URL"), environ.get("GITHUB_REPOSITORY")
    sha = environ.get("GITHUB_SHA")
    if server and repository and sha:
        workspace = environ.get("GITHUB_WORKSPACE") or cwd
        return SourceLinks("github", f"{server.rstrip('/')}/{repository}", sha, workspace, cwd)
    uri, version = environ.get("BUILD_REPOSITORY_URI"), environ.get("BUILD_SOURCEVERSION")
    if not uri or not version:
        return None
    provider = environ.get("BUILD_REPOSITORY_PROVIDER", "")
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    # Azure Pipelines often puts the organization in the URL's user part (https://org@dev...).
    host = parts.hostname + (f":{parts.port}" if parts.port is not None else "")
    address = f"{parts.scheme}://{host}{parts.path}".rstrip("/")
    workspace = environ.get("BUILD_SOURCESDIRECTORY") or cwd
    if provider == "TfsGit" or (not provider and "/_git/" in parts.path):
        return SourceLinks("azure-repos", address, version, workspace, cwd)
    if provider in ("GitHub", "GitHubEnterprise"):
        address = address.removesuffix(".git")
        return SourceLinks("github", address, version, workspace, cwd)
    return None  # Bitbucket, TFVC, other Git hosts: their URL forms are not known here
