"""Picklist values as the client reads them: from the type list where the server includes them
(the emulator does), else one `fields?$expand=allowedValues` request per type that needs them
(Azure DevOps leaves them out of its list of types), numbers as text either way."""

from __future__ import annotations

import json

import httpx

from witsync.ado import wire
from witsync.ado.client import Client
from witsync.emulator import asgi_transport, create_app

ORG = "http://org.example/acme"


def test_allowed_values_as_text_or_none_when_the_answer_has_none() -> None:
    listed = [
        {"referenceName": "Microsoft.VSTS.Common.Priority", "allowedValues": [1, 2.0, "3"]},
        {"referenceName": "System.Title", "allowedValues": []},
        {"referenceName": "System.Description"},
    ]
    assert wire.allowed_values(listed) == {"Microsoft.VSTS.Common.Priority": ("1", "2", "3")}
    assert wire.allowed_values([{"referenceName": "System.Title"}]) is None


def azure_devops(requests: list[httpx.Request]) -> httpx.MockTransport:
    """Answers as dev.azure.com does: the list of types without `allowedValues`."""

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        path = request.url.path
        if path.endswith("/workitemtypes"):
            fields = [{"referenceName": "Microsoft.VSTS.Common.Risk", "name": "Risk"}]
            states = [{"name": "New", "category": "Proposed"}]
            types = [
                {"name": name, "fields": fields, "states": states} for name in ("User Story", "Bug")
            ]
            return httpx.Response(200, json={"count": 2, "value": types})
        if path.endswith("/fields") and "workitemtypes" in path:
            assert request.url.params["$expand"] == "allowedValues"
            risk = {"referenceName": "Microsoft.VSTS.Common.Risk", "allowedValues": ["1 - High"]}
            return httpx.Response(200, json={"count": 1, "value": [risk]})
        if path.endswith("/fields"):
            risk = {"referenceName": "Microsoft.VSTS.Common.Risk", "isPicklist": True}
            return httpx.Response(200, json={"count": 1, "value": [risk]})
        return httpx.Response(200, content=json.dumps({"count": 0, "value": []}))

    return httpx.MockTransport(answer)


async def test_a_type_list_without_them_means_one_request_for_each_type_that_needs_them() -> None:
    requests: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=azure_devops(requests)) as http:
        client = Client(http, ORG, "Fabrikam")
        process = await client.get_process()
        assert process.fields["Microsoft.VSTS.Common.Risk"].is_picklist
        assert process.types["User Story"].allowed_values is None  # not read yet
        requests.clear()
        read = await client.read_allowed_values(process, ["User Story", "User Story", "Nope"])
        assert [r.url.raw_path for r in requests] == [
            b"/acme/Fabrikam/_apis/wit/workitemtypes/User%20Story/fields?api-version=7.1"
            b"&%24expand=allowedValues"
        ]
        assert read.types["User Story"].allowed_values == {
            "Microsoft.VSTS.Common.Risk": ("1 - High",)
        }
        assert read.types["Bug"].allowed_values is None  # not asked for: not read
        requests.clear()
        assert await client.read_allowed_values(read, ["User Story"]) is read
        assert requests == []


async def test_the_emulator_lists_them_with_the_types_so_nothing_more_is_read() -> None:
    app = create_app(projects=["Fabrikam"])
    async with httpx.AsyncClient(transport=asgi_transport(app)) as http:
        client = Client(http, ORG, "Fabrikam")
        process = await client.get_process()
        allowed = process.types["User Story"].allowed_values
        assert allowed is not None
        assert allowed["Microsoft.VSTS.Common.Priority"] == ("1", "2", "3", "4")
        sent = client.request_count
        assert await client.read_allowed_values(process, ["User Story"]) is process
        assert client.request_count == sent
