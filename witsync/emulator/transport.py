"""In-process transport: the emulator behind httpx; dropped connections become httpx errors."""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp

from witsync.emulator.faults import DroppedConnection


class EmulatorTransport(httpx.AsyncBaseTransport):
    """httpx.ASGITransport, except a dropped connection raises what a socket client would see:
    `RemoteProtocolError` when the server vanished before answering, `ReadError` when the
    request was processed and the answer was lost."""

    def __init__(self, app: ASGIApp, *, owns_app: bool = False) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._app = app
        self._owns_app = owns_app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except DroppedConnection as dropped:
            if dropped.when == "before":
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                ) from None
            raise httpx.ReadError("Connection reset by peer", request=request) from None

    async def aclose(self) -> None:
        await self._inner.aclose()
        if self._owns_app:
            self._app.state.emulator.store.close()  # type: ignore[attr-defined]


def asgi_transport(app: ASGIApp, *, owns_app: bool = False) -> httpx.AsyncBaseTransport:
    """The in-process transport to `app`; with `owns_app`, closing it closes the app's database
    (the embedded board: one client, one app, nothing left open after the command)."""
    return EmulatorTransport(app, owns_app=owns_app)
