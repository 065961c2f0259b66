"""Route discovery for the official clients: resource areas and `OPTIONS _apis` locations."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from witsync.emulator.context import JSONResponse
from witsync.emulator.wire import collection

WIT_AREA = "5264459e-e5e0-4bd8-b118-0985e68a4ec5"
CORE_AREA = "79134c72-4a58-4b42-976c-04e7115f32bf"
LOCATION_AREA = "00d9565f-ed9c-4a06-9a50-00e7896ccab4"

# (location id, area, resource name, route template): the ids the official clients ask for.
LOCATIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "72c7ddf8-2cdc-4f60-90cd-ab71c14a399b",
        "wit",
        "workItems",
        "{project}/_apis/{area}/{resource}/{id}",
    ),
    (
        "62d3d110-0047-428c-ad3c-4fe872c91c74",
        "wit",
        "workItems",
        "{project}/_apis/{area}/{resource}/${type}",
    ),
    (
        "908509b6-4248-4475-a1cd-829139ba419f",
        "wit",
        "workItemsBatch",
        "{project}/_apis/{area}/{resource}",
    ),
    (
        "1a9c53f7-f243-4447-b110-35ef023636e4",
        "wit",
        "wiql",
        "{project}/{team}/_apis/{area}/{resource}/{id}",
    ),
    (
        "6570bf97-d02c-4a91-8d93-3abe9895b1a9",
        "wit",
        "updates",
        "{project}/_apis/{area}/workItems/{id}/{resource}/{updateNumber}",
    ),
    (
        "a00c85a5-80fa-4565-99c3-bcd2181434bb",
        "wit",
        "revisions",
        "{project}/_apis/{area}/workItems/{id}/{resource}/{revisionNumber}",
    ),
    (
        "a70579d1-f53a-48ee-a5be-7be8659023b9",
        "wit",
        "classificationNodes",
        "{project}/_apis/{area}/{resource}",
    ),
    (
        "5a172953-1b41-49d3-840a-33f79c3ce89f",
        "wit",
        "classificationNodes",
        "{project}/_apis/{area}/{resource}/{structureGroup}/{*path}",
    ),
    (
        "b51fd764-e5c2-4b9b-aaf7-3395cf4bdd94",
        "wit",
        "fields",
        "{project}/_apis/{area}/{resource}/{fieldNameOrRefName}",
    ),
    (
        "7c8d7a76-4a09-43e8-b5df-bd792f4ac6aa",
        "wit",
        "workItemTypes",
        "{project}/_apis/{area}/{resource}/{type}",
    ),
    (
        "7c9d7a76-4a09-43e8-b5df-bd792f4ac6aa",
        "wit",
        "states",
        "{project}/_apis/{area}/workItemTypes/{type}/{resource}",
    ),
    (
        "bd293ce5-3d25-4192-8e67-e8092e879efb",
        "wit",
        "fields",
        "{project}/_apis/{area}/workItemTypes/{type}/{resource}/{field}",
    ),
    (
        "f5d33bc9-5b49-4a3c-a9bd-f3cd46dd2165",
        "wit",
        "workItemRelationTypes",
        "_apis/{area}/{resource}/{relation}",
    ),
    (
        "608aac0a-32e1-4493-a863-b9cf4566d257",
        "wit",
        "comments",
        "{project}/_apis/{area}/workItems/{workItemId}/{resource}/{commentId}",
    ),
    # comments' versions and reactions, attachments, tags, templates, bulk delete (OPS-A)
    (
        "49e03b34-3be0-42e3-8a5d-e8dfb88ac954",
        "wit",
        "versions",
        "{project}/_apis/{area}/workItems/{workItemId}/comments/{commentId}/{resource}/{version}",
    ),
    (
        "f6cb3f27-1028-4851-af96-887e570dc21f",
        "wit",
        "reactions",
        "{project}/_apis/{area}/workItems/{workItemId}/comments/{commentId}/{resource}/"
        "{reactionType}",
    ),
    (
        "e33ca5e0-2349-4285-af3d-d72d86781c35",
        "wit",
        "users",
        "{project}/_apis/{area}/workItems/{workItemId}/comments/{commentId}/reactions/"
        "{reactionType}/{resource}",
    ),
    (
        "e07b5fa4-1499-494d-a496-64b860fd64ff",
        "wit",
        "attachments",
        "{project}/_apis/{area}/{resource}/{id}",
    ),
    (
        "bc15bc60-e7a8-43cb-ab01-2106be3983a1",
        "wit",
        "tags",
        "{project}/_apis/{area}/{resource}/{tagIdOrName}",
    ),
    (
        "6a90345f-a676-4969-afce-8e163e1d5642",
        "wit",
        "templates",
        "{project}/{team}/_apis/{area}/{resource}",
    ),
    (
        "fb10264a-8836-48a0-8033-1b0ccd2748d5",
        "wit",
        "templates",
        "{project}/{team}/_apis/{area}/{resource}/{templateId}",
    ),
    (
        "8bc57545-27e5-420d-b709-f6e3ebcc1fc1",
        "wit",
        "workItemsDelete",
        "{project}/_apis/{area}/{resource}",
    ),
    # saved queries, type categories, icons, transitions, artifact link types (OPS-B's routes)
    (
        "a67d190c-c41f-424b-814d-0e906f659301",
        "wit",
        "queries",
        "{project}/_apis/{area}/{resource}/{*query}",
    ),
    (
        "549816f9-09b0-4e75-9e81-01fbfcd07426",
        "wit",
        "queriesBatch",
        "{project}/_apis/{area}/{resource}",
    ),
    (
        "9f614388-a9f0-4952-ad6c-89756bd8e388",
        "wit",
        "tempQueries",
        "{project}/_apis/{area}/{resource}",
    ),
    (
        "a02355f5-5f8a-4671-8e32-369d23aac83d",
        "wit",
        "wiql",
        "{project}/{team}/_apis/{area}/{resource}/{id}",
    ),
    (
        "9b9f5734-36c8-415e-ba67-f83b45c31408",
        "wit",
        "workItemTypeCategories",
        "{project}/_apis/{area}/{resource}/{category}",
    ),
    (
        "4e1eb4a5-1970-4228-a682-ec48eb2dca30",
        "wit",
        "workItemIcons",
        "_apis/{area}/{resource}/{icon}",
    ),
    (
        "afae844b-e2f6-44c2-8053-17b3bb936a40",
        "wit",
        "workItemTransitions",
        "_apis/{area}/{resource}",
    ),
    ("1a31de40-e318-41cd-a6c6-881077df52e3", "wit", "artifactLinkTypes", "_apis/{area}/{resource}"),
    (
        "b70d8d39-926c-465e-b927-b1bf0e5ca0e0",
        "wit",
        "recycleBin",
        "{project}/_apis/{area}/{resource}/{id}",
    ),
    ("603fe2ac-9723-48b9-88ad-09305aa6c6e1", "core", "projects", "_apis/{resource}/{*projectId}"),
    (
        "e81700f7-3be2-46de-8624-2eb35882fcaa",
        "Location",
        "ResourceAreas",
        "_apis/{resource}/{areaId}",
    ),
)


def locations() -> list[dict[str, Any]]:
    return [
        {
            "id": id,
            "area": area,
            "resourceName": resource,
            "routeTemplate": template,
            "resourceVersion": 4 if area == "core" else 3,
            "minVersion": 1.0,
            "maxVersion": 7.1,
            "releasedVersion": "7.1",
        }
        for id, area, resource, template in LOCATIONS
    ]


async def options(request: Request) -> Response:
    del request
    return JSONResponse(collection(locations()))


async def resource_areas(request: Request) -> Response:
    org = request.scope["state"]["org"]
    url = f"{request.url.scheme}://{request.url.netloc}/{org}/"
    areas = [
        {"id": WIT_AREA, "name": "wit", "locationUrl": url},
        {"id": CORE_AREA, "name": "core", "locationUrl": url},
        {"id": LOCATION_AREA, "name": "Location", "locationUrl": url},
    ]
    wanted = request.path_params.get("area")
    if wanted:
        match = [a for a in areas if a["id"] == wanted.lower()]
        return JSONResponse(match[0] if match else None, status_code=200 if match else 404)
    return JSONResponse(collection(areas))


DISCOVERY_ROUTES: list[BaseRoute] = [
    Route("/{org}/_apis", options, methods=["OPTIONS"]),
    Route("/{org}/_apis/", options, methods=["OPTIONS"]),
    Route("/{org}/_apis/{area}", options, methods=["OPTIONS"]),
    Route("/{org}/_apis/resourceareas", resource_areas, methods=["GET"]),
    Route("/{org}/_apis/resourceareas/{area}", resource_areas, methods=["GET"]),
]
