"""A local Azure DevOps work item service: the embedded board, the test backend, `witsync serve`.

Public API: `EmulatorOptions`, `create_app` (a Starlette app over SQLite) and `asgi_transport`
(the app behind httpx, in-process, with dropped connections surfacing as httpx errors).
"""

from witsync.emulator.app import create_app
from witsync.emulator.faults import EmulatorOptions
from witsync.emulator.transport import asgi_transport

__all__ = ["EmulatorOptions", "asgi_transport", "create_app"]
