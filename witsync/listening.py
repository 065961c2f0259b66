"""A listening socket for the local servers (`serve`, `board`): a port in use is one clear line."""

from __future__ import annotations

import errno
import socket

from witsync.errors import ConfigError


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free one); a ConfigError in one line when the
    port is taken or the address cannot be used, before anything else is printed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise ConfigError(
            f"cannot listen on {host}: {error.strerror}", hint="give an address with --host"
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # as uvicorn does: a port left in TIME_WAIT by a server just stopped can be taken again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} is in use; choose another with --port") from None
        if error.errno == errno.EACCES:
            raise ConfigError(
                f"port {port} needs privileges here; choose one above 1023 with --port"
            ) from None
        raise ConfigError(
            f"cannot listen on {host} port {port}: {error.strerror}",
            hint="check --host (an address of this machine) and --port",
        ) from None
    sock.setblocking(False)
    return sock
