"""`witsync serve` as a tool: a port in use is one line, --port 0 says which port it got, --help
says how to act as another user, and --log-requests logs one line per request."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from witsync import cli

HOST = "127.0.0.1"


def serve(*argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "witsync", "serve", "--host", HOST, "--db", ":memory:", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@contextmanager
def listening() -> Iterator[int]:
    """A loopback port something else listens on."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_port_in_use_is_one_line_and_exit_1_without_a_banner() -> None:
    with listening() as port:
        server = serve("--port", str(port), "--project", "Fabrikam")
        out, err = server.communicate(timeout=60)
    assert server.returncode == 1
    expected = f"witsync: error: port {port} is in use; choose another with --port"
    assert err.splitlines() == [expected]
    assert out == ""


@contextmanager
def running(
    *argv: str, rest: list[str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`witsync serve --port 0 ...`; yields the process and the URL its banner gives. `rest`
    gets what the server wrote to stderr and was not read, once it has stopped."""
    server = serve("--port", "0", *argv)
    try:
        assert server.stderr is not None
        banner = server.stderr.readline()  # waits for the server to say where it listens
        match = re.match(rf"witsync serve: (http://{re.escape(HOST)}:(\d+))/<organization>", banner)
        assert match, banner + server.stderr.read()
        assert int(match[2]) != 0
        yield server, match[1]
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
        if rest is not None:
            rest.append(err)


def test_port_0_takes_a_free_port_and_says_which_and_the_basic_user_is_the_identity() -> None:
    with running("--project", "Fabrikam", "--log-requests") as (server, url):
        assert server.stderr is not None
        created = httpx.post(
            f"{url}/acme/Fabrikam/_apis/wit/workitems/$Task?api-version=7.1",
            json=[{"op": "add", "path": "/fields/System.Title", "value": "Who am I"}],
            headers={"Content-Type": "application/json-patch+json"},
            auth=("Jamal Hartnett <jamal@fabrikam.com>", "any-token"),
        )
        assert created.status_code == 200, created.text
        # what --help promises: the Basic user name is who creates and changes work items
        assert created.json()["fields"]["System.CreatedBy"]["uniqueName"] == "jamal@fabrikam.com"
        missing = httpx.get(f"{url}/acme/_apis/wit/workitems/999?api-version=7.1", auth=("", "t"))
        assert missing.status_code == 404
        lines: list[str] = []
        logged: list[str] = []
        while len(logged) < 2:  # each readline waits for the server's next line
            line = server.stderr.readline()
            assert line, "".join(lines)
            lines.append(line)
            if re.match(r"[A-Z]+ /", line):  # a request line, not the rest of the banner
                logged.append(line)
        assert re.fullmatch(
            r"POST /acme/Fabrikam/_apis/wit/workitems/\$Task 200 \d+ ms\n", logged[0]
        ), logged
        assert re.fullmatch(r"GET /acme/_apis/wit/workitems/999 404 \d+ ms\n", logged[1]), logged
        assert "any-token" not in "".join(lines)


def test_without_log_requests_nothing_is_logged_per_request() -> None:
    rest: list[str] = []
    with running("--project", "Fabrikam", rest=rest) as (_, url):
        answer = httpx.get(f"{url}/acme/_apis/wit/workitems/999?api-version=7.1", auth=("", "t"))
        assert answer.status_code == 404
    assert "/_apis/wit/workitems/999" not in rest[0]


def test_help_explains_identities_and_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Who a request acts as: the user name of Basic auth" in text
    assert "'Jamal Hartnett <jamal@fabrikam.com>'" in text
    assert "(default 127.0.0.1, this machine only" in text
    assert "0: any free port" in text
    assert "--log-requests" in text
