"""In-process transport: the emulator behind httpx; dropped connections become httpx errors."""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp

from witsync.emulator.faults import DroppedConnection


class EmulatorTransport(httpx.AsyncBaseTransport):
    """httpx.ASGITransport, except a dropped connection raises what a socket client would see:
    `RemoteProtocolError` when the server vanished before answering, `ReadError` when the
    request was processed and the answer was lost."""

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app)

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


def asgi_transport(app: ASGIApp) -> httpx.AsyncBaseTransport:
    return EmulatorTransport(app)
