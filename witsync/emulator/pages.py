"""The board as web pages, in Azure Boards' URL shapes, so links in plans open locally.

`/{org}/{project}/_boards/backlog` is the backlog tree (type, state, assignee, tags; branches open
and close; filters by type, state, assignee, tag and text), `/{org}/{project}/_workitems/edit/{id}`
one work item (its fields, its rich text rendered, its links, its history: who changed what,
when), and `/{org}` the organization's projects. Server-rendered HTML from the emulator's own
store (Jinja2 templates in templates/, autoescaped; rich text cleaned by nh3 to an allowlist),
with no script, framework or network fetch: every page works from a `witsync serve` or the
embedded board behind `witsync board`. Read-only: the pages never write.

Here: the route table and the organization's page. The backlog is `pages_backlog`, a work item
`pages_item`; values as people read them (and rich text cleaning) `pages_text`; templates,
headers and the request's project `pages_kit`.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from witsync.emulator.pages_backlog import backlog_page
from witsync.emulator.pages_item import item_page
from witsync.emulator.pages_kit import (
    not_a_page,
    not_found,
    org_store,
    project_base,
    project_of,
    render,
)


async def org_page(request: Request) -> Response:
    not_a_page(request)
    store, org = org_store(request)
    projects = store.projects(org)
    return render(
        "org.html",
        org=request.path_params["org"],
        projects=[(p, f"/{quote(request.path_params['org'])}/{quote(p.name)}") for p in projects],
    )


async def project_page(request: Request) -> Response:
    """The project, its work items, its boards: all open on the backlog."""
    _, _, project = project_of(request)
    if project is None:
        return not_found(request, f"project {request.path_params['project']!r}")
    return RedirectResponse(project_base(request, project) + "/_boards/backlog", status_code=302)


PAGE_ROUTES: list[BaseRoute] = [
    Route("/{org}/{project}/_boards/backlog", backlog_page, methods=["GET"]),
    Route("/{org}/{project}/_backlogs/backlog", backlog_page, methods=["GET"]),
    Route("/{org}/{project}/_workitems/edit/{id:int}", item_page, methods=["GET"]),
    Route("/{org}/{project}/_workitems", project_page, methods=["GET"]),
    Route("/{org}/{project}/_boards", project_page, methods=["GET"]),
    Route("/{org}/{project}/", project_page, methods=["GET"]),
    Route("/{org}/{project}", project_page, methods=["GET"]),
    Route("/{org}/", org_page, methods=["GET"]),
    Route("/{org}", org_page, methods=["GET"]),
]
"""The pages, GET only; added after the API's routes (their paths never contain `_apis`)."""
