"""Organization URLs: checked, shown with a pasted credential masked; path segments quoted."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx

from witsync.errors import ConfigError

_USERINFO = re.compile(r"(?<=//)[^/?#]*@")
ORG_URL_HINT = (
    "use e.g. https://dev.azure.com/fabrikam or https://tfs.example.com/tfs/DefaultCollection"
)


def segment(value: str | int) -> str:
    """One path segment, percent-encoded so that a project called `a/b?c` stays one segment."""
    return quote(str(value), safe="")


def display_url(org_url: str) -> str:
    """`org_url` fit to show: any user name or token pasted into it is masked."""
    return _USERINFO.sub("***@", org_url.strip())


def parse_org_url(org_url: str) -> httpx.URL:
    """The organization (or collection) URL, checked, without query or fragment."""
    shown = display_url(org_url)
    try:
        url = httpx.URL(org_url.strip())
    except httpx.InvalidURL:
        raise ConfigError(f"not a valid organization URL: {shown!r}", hint=ORG_URL_HINT) from None
    if url.userinfo:
        raise ConfigError(
            f"the organization URL must not hold a user name or token: {shown!r}",
            hint="put the token in AZURE_DEVOPS_EXT_PAT (or SYSTEM_ACCESSTOKEN) instead",
        )
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"not a valid organization URL: {shown!r}", hint=ORG_URL_HINT)
    return url.copy_with(query=None, fragment=None)
