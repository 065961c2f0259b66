"""`Client.work_item_url` is built once and filled in: the same URL as appending the id."""

from __future__ import annotations

import httpx
import pytest

from witsync.ado.client import Client


@pytest.mark.parametrize(
    "org_url",
    [
        "https://dev.azure.com/fabrikam",
        "https://dev.azure.com/fabrikam/",
        "https://tfs.example.com/tfs/Default%20Collection",
        "http://127.0.0.1:8080/local?x=1",
    ],
)
def test_work_item_urls_are_the_org_url_with_the_id_appended(org_url: str) -> None:
    client = Client(httpx.AsyncClient(), org_url, "My Proj")
    for item_id in (1, 42, 1_000_000, 7):  # the first call builds the template, later ones reuse
        assert client.work_item_url(item_id) == str(client.url("workItems", str(item_id)))
        assert client.work_item_url(item_id).endswith(f"/_apis/wit/workItems/{item_id}")
