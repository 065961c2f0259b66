"""The wire reads export relies on: ids of a link query, the defaults a type declares."""

from __future__ import annotations

import httpx
import pytest

from witsync.ado import wire
from witsync.ado.client import Client
from witsync.emulator import asgi_transport, create_app


def test_a_tree_query_gives_every_item_it_names_once_in_order() -> None:
    body = {
        "queryType": "tree",
        "workItemRelations": [
            {"rel": None, "source": None, "target": {"id": 7}},
            {"rel": "System.LinkTypes.Hierarchy-Forward", "source": {"id": 7}, "target": {"id": 9}},
            {"rel": "System.LinkTypes.Hierarchy-Forward", "source": {"id": 9}, "target": {"id": 8}},
        ],
    }
    assert wire.wiql_ids(body) == [7, 9, 8]
    assert wire.wiql_ids({"workItems": [{"id": 3}]}) == [3]


def test_a_type_keeps_the_defaults_its_fields_declare() -> None:
    entry = {
        "name": "Task",
        "states": [{"name": "New", "category": "Proposed"}],
        "fields": [
            {"referenceName": "System.Title", "defaultValue": None},
            {"referenceName": "Microsoft.VSTS.Common.Priority", "defaultValue": 2},
            {"referenceName": "Custom.Team", "defaultValue": ""},
        ],
    }
    assert wire.type_info(entry).defaults == {"Microsoft.VSTS.Common.Priority": 2}


@pytest.mark.parametrize("process", ["Agile", "Scrum", "Basic", "CMMI"])
async def test_the_emulator_declares_the_priority_its_creates_fill(process: str) -> None:
    app = create_app(projects=[f"P:{process}"])
    async with httpx.AsyncClient(transport=asgi_transport(app)) as http:
        client = Client(http, "http://local-board/org", "P")
        types = (await client.get_process()).types
        assert {info.defaults.get("Microsoft.VSTS.Common.Priority") for info in types.values()} == {
            2
        }
        name = next(iter(types))
        created = await client.create_item(
            name, [{"op": "add", "path": "/fields/System.Title", "value": "t"}]
        )
        assert created.fields["Microsoft.VSTS.Common.Priority"] == 2
