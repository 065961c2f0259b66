"""What every board page shares: templates, safe headers, the request's project, type colours."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from witsync.emulator.store import Project, Store

TYPE_COLORS = {
    "epic": "#ff7b00",
    "feature": "#773b93",
    "user story": "#009ccc",
    "product backlog item": "#009ccc",
    "requirement": "#009ccc",
    "issue": "#b4009e",
    "impediment": "#b4009e",
    "task": "#a4880a",
    "bug": "#cc293d",
    "change request": "#4f9d53",
    "risk": "#ff9d00",
    "review": "#4f9d53",
}
"""Azure Boards' colour per work item type (tasks a shade darker, to read on white)."""


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("witsync.emulator", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A template as a page, with the headers that keep it inert."""
    page = _templates().get_template(name).render(**context)
    return HTMLResponse(page, status_code=status, headers=_HEADERS)


_HEADERS = {
    # Nothing on a page may run or load from elsewhere, whatever a description holds.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def not_a_page(request: Request) -> None:
    """Paths whose segments start with `_` (`/_apis`, `/org/_apis`) belong to the API: an unknown
    one gets the API's own 404 answer, not a page."""
    for name in ("org", "project"):
        if str(request.path_params.get(name, "")).startswith("_"):
            raise HTTPException(404)


def org_store(request: Request) -> tuple[Store, str]:
    """The emulator's store and the organization the request is for."""
    return request.app.state.emulator.store, request.scope["state"]["org"]


def project_of(request: Request) -> tuple[Store, str, Project | None]:
    """Store, organization and the project the path names (None if there is none)."""
    not_a_page(request)
    store, org = org_store(request)
    return store, org, store.project(org, request.path_params["project"])


def not_found(request: Request, what: str) -> HTMLResponse:
    """The 404 page, saying `what` is missing."""
    return render("missing.html", 404, what=what, org=request.path_params.get("org", ""))


def project_base(request: Request, project: Project) -> str:
    """`/{org}/{project}`, quoted: the root of the project's page URLs."""
    return f"/{quote(request.path_params['org'])}/{quote(project.name)}"


def type_color(name: str) -> str:
    return TYPE_COLORS.get(name.lower(), "#8c959f")
