"""`witsync serve` (or any server command) as a subprocess on a free loopback port, for the tests
and the benchmarks."""

from __future__ import annotations

import contextlib
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def started(
    command: Sequence[str], port: int, *, timeout: float = 20.0, prints: bool = False
) -> Iterator[str]:
    """Run `command`, a server that will listen on `port`; yield what it printed to stdout by then.

    Waits (at most `timeout` seconds) until the port accepts connections, and with `prints` until
    a whole line is on stdout too (a server listens before it prints its address, so the port
    can answer first), else raises RuntimeError with the server's output; on exit terminates the
    server and waits for it.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        try:
            deadline = time.monotonic() + timeout
            while not (_listening(port) and (not prints or _read(out).endswith("\n"))):
                if process.poll() is not None or time.monotonic() > deadline:
                    code = process.poll()
                    why = f"exited with {code}" if code is not None else "still not listening"
                    raise RuntimeError(
                        f"`{shlex.join(command[1:])}` did not start on port {port} ({why}):\n"
                        f"{_read(out)}{_read(err)}"
                    )
                time.sleep(0.05)
            yield _read(out)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


def _read(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read().decode(errors="replace")


@contextlib.contextmanager
def served(
    db: Path,
    *,
    projects: Iterable[str] = (),
    extra_args: Sequence[str] = (),
    startup_timeout: float = 20.0,
) -> Iterator[str]:
    """Run `witsync serve --db DB --project P... EXTRA_ARGS`; yield `http://127.0.0.1:PORT` once
    the port answers (see `started`)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "witsync",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--db",
        str(db),
        *[arg for project in projects for arg in ("--project", project)],
        *extra_args,
    ]
    with started(command, port, timeout=startup_timeout):
        yield f"http://{HOST}:{port}"
