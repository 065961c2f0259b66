"""`witsync plan` and `apply` behind a server or proxy that quotes the token back in its error
pages: no form of the token reaches stdout, stderr, a plan file or a result document.

The board is the emulator (it checks the token); in front of it, an `httpx.MockTransport` plays
the part the emulator cannot: a proxy that answers some requests with a page echoing the
`Authorization` header witsync sent.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from cli_support import cli_repo

from witsync.cli import main
from witsync.commands import apply as apply_command
from witsync.commands import plan as plan_command
from witsync.connect import open_client
from witsync.emulator import EmulatorOptions, asgi_transport, create_app

SECRET = "pat-5ecret-zq81x-4kq7vbn2xw3ohzj5r6ycl7mfe2uqpsd3"
ORG = "https://dev.azure.com/fabrikam"
CONFIG = f"org: {ORG}\nproject: Proj\nscope: web\n"
BACKLOG = """\
apiVersion: witsync/v1
items:
  - key: epic
    type: Epic
    title: The epic
    children:
      - key: story
        type: User Story
        title: A story
  - key: loose
    type: User Story
    title: On its own
"""

Echo = Callable[[httpx.Request], httpx.Response]
Picks = Callable[[httpx.Request], bool]


def forms(secret: str) -> list[str]:
    basic = f":{secret}".encode()
    return [
        secret,
        quote(secret, safe=""),
        base64.b64encode(basic).decode().rstrip("="),
        base64.urlsafe_b64encode(basic).decode().rstrip("="),
    ]


def assert_clean(*texts: str) -> None:
    for text in texts:
        for form in forms(SECRET):
            assert form not in text


def authorization(request: httpx.Request) -> str:
    return request.headers["Authorization"]


def raw_token(request: httpx.Request) -> str:
    scheme, _, value = authorization(request).partition(" ")
    return base64.b64decode(value).decode().partition(":")[2] if scheme == "Basic" else value


def json_echo(status: int) -> Echo:
    """An Azure DevOps-shaped error that quotes the request's Authorization header."""

    def answer(request: httpx.Request) -> httpx.Response:
        message = f"VS800075: bad request: headers Authorization: {authorization(request)}"
        return httpx.Response(status, json={"message": message, "typeKey": "BadRequestException"})

    return answer


def proxy_page(request: httpx.Request) -> httpx.Response:
    """A plain-text page from a proxy that dumps the request it could not forward."""
    page = (
        "502 Bad Gateway\n\nupstream closed the connection for:\n"
        f"{request.method} {request.url.path} HTTP/1.1\nAuthorization: {authorization(request)}\n"
    )
    return httpx.Response(500, text=page)


def raw_token_echo(request: httpx.Request) -> httpx.Response:
    """A server that decodes the credentials and names them."""
    message = f"TF400813: The user ':{raw_token(request)}' is not authorized for this change."
    return httpx.Response(400, json={"message": message})


def batch_sub_answers_echo(request: httpx.Request) -> httpx.Response:
    """A `$batch` answered 200, each work item refused by a body quoting the header."""
    body = json.dumps({"message": f"rejected, Authorization={authorization(request)}"})
    subs = json.loads(request.content)
    answers = [{"code": 400, "headers": {}, "body": body} for _ in subs]
    return httpx.Response(200, json={"count": len(answers), "value": answers})


class EchoingProxy:
    """Forwards to the emulator, except the requests `picks` chooses: `echo` answers those."""

    def __init__(self, picks: Picks, echo: Echo) -> None:
        app = create_app(projects=["Proj"], options=EmulatorOptions(pat=SECRET))
        self.board = asgi_transport(app)
        self.picks = picks
        self.echo = echo
        self.echoed = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.picks(request):
            self.echoed += 1
            return self.echo(request)
        response = await self.board.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)


def is_wiql(request: httpx.Request) -> bool:
    return request.url.path.endswith("/_apis/wit/wiql")


def is_dry_run(request: httpx.Request) -> bool:
    return request.url.params.get("validateOnly") == "true"


def is_write(request: httpx.Request) -> bool:
    return request.method in ("POST", "PATCH") and not request.url.path.endswith(
        ("/wiql", "/workitemsbatch")
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return cli_repo(tmp_path, monkeypatch, CONFIG, BACKLOG)


@pytest.fixture(params=["AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"], ids=["basic", "bearer"])
def token_variable(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(request.param, SECRET)
    return str(request.param)


def behind(monkeypatch: pytest.MonkeyPatch, proxy: EchoingProxy) -> None:
    """Every client the commands open goes to the organization through `proxy`."""
    opener = functools.partial(open_client, transport=httpx.MockTransport(proxy))
    monkeypatch.setattr(plan_command, "open_client", opener)
    monkeypatch.setattr(apply_command, "open_client", opener)


@pytest.mark.parametrize(
    "echo",
    [json_echo(400), json_echo(500), proxy_page, raw_token_echo],
    ids=["400-json", "500-json", "proxy-page", "raw-token"],
)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_plan_against_a_server_quoting_the_token(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    token_variable: str,
    echo: Echo,
    fmt: str,
) -> None:
    proxy = EchoingProxy(is_wiql, echo)
    behind(monkeypatch, proxy)
    assert main(["plan", "--format", fmt]) == 1
    out, err = capsys.readouterr()
    assert proxy.echoed == 1
    assert "witsync: error: " in err
    assert "***" in err, "what the server said is shown, masked"
    assert_clean(out, err)


def test_plan_validate_failures_and_the_plan_file_hold_no_token(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    token_variable: str,
) -> None:
    proxy = EchoingProxy(is_dry_run, raw_token_echo)
    behind(monkeypatch, proxy)
    assert main(["plan", "--validate", "--out", "plan.json"]) == 1
    out, err = capsys.readouterr()
    assert proxy.echoed == 3, "each create was dry-run"
    assert err.count("validate: ") == 3
    assert "is not authorized" in err
    assert "***" in err
    plan_file = (repo / "plan.json").read_text()
    assert '"create"' in plan_file
    assert_clean(out, err, plan_file)


@pytest.mark.parametrize(
    "echo",
    [batch_sub_answers_echo, json_echo(500), proxy_page],
    ids=["batch-sub-answers", "500-json", "proxy-page"],
)
def test_apply_results_hold_no_token(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    token_variable: str,
    echo: Echo,
) -> None:
    proxy = EchoingProxy(is_write, echo)
    behind(monkeypatch, proxy)
    assert main(["apply", "--yes", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert proxy.echoed >= 1
    document = json.loads(out)
    assert document["summary"]["failed"] == 2
    messages = [item["message"] for item in document["items"] if item["outcome"] == "failed"]
    assert all("***" in message for message in messages), messages
    assert "These items failed:" in err
    assert "***" in err, "the text summary shows what the server said, masked"
    assert_clean(out, err)
