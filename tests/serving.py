"""`witsync serve` as a subprocess on a free loopback port, for the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def served(
    db: Path,
    *,
    projects: Iterable[str] = (),
    extra_args: Sequence[str] = (),
    startup_timeout: float = 20.0,
) -> Iterator[str]:
    """Run `witsync serve --db DB --project P... EXTRA_ARGS`; yield `http://127.0.0.1:PORT`.

    Waits (at most `startup_timeout` seconds) until the port accepts connections, else raises
    RuntimeError with the server's output; on exit terminates the server and waits for it.
    """
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
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                try:
                    with socket.create_connection((HOST, port), timeout=0.2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        code = process.poll()
                        why = f"exited with {code}" if code is not None else "still not listening"
                        log.seek(0)
                        output = log.read().decode(errors="replace")
                        raise RuntimeError(
                            f"witsync serve did not start on port {port} ({why}):\n{output}"
                        ) from None
                    time.sleep(0.05)
            yield f"http://{HOST}:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
