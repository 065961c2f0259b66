"""The official Python client (azure-devops 7.1), unmodified, connected to a served emulator.

Its discovery cache is kept out of the home folder by the `private_client_cache` fixture
(tests/emulator/conftest.py), which a module using `connect` asks for.
"""

from __future__ import annotations

from azure.devops.connection import Connection
from azure.devops.v7_1.work_item_tracking.models import JsonPatchOperation
from msrest.authentication import BasicAuthentication


def connect(server: str, token: str, org: str = "fabrikam-org") -> Connection:
    """The client on `server`'s organization `org`, signed in with a PAT (basic auth, no user)."""
    return Connection(base_url=f"{server}/{org}", creds=BasicAuthentication("", token))


def op(path: str, value: object, kind: str = "add") -> JsonPatchOperation:
    """One JSON-patch operation as the client's model takes it."""
    return JsonPatchOperation(op=kind, path=path, value=value)
