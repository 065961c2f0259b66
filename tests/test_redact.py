"""The Redactor masks every form a token may be quoted back in, and leaves other text alone."""

from __future__ import annotations

import base64
import json
import pickle
import re
from urllib.parse import quote, quote_plus

import pytest

from witsync.ado.transport import Token, redactor_from_env
from witsync.errors import BatchRefusedError, ServerError
from witsync.redact import Redactor

PAT = "4kq7vbn2xw3ohzj5r6ycl7mfe2uqpsd3t5iaewn6bgk4xjzoyr3q"  # a PAT's shape: 52 base32 chars
JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJuYW1laWQiOiIxMjM0In0.c2lnbmF0dXJl-_x"
ODD = "tok+en/with=odd&chars"  # its URL-encoded and base64 forms differ from it


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def urlsafe(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def lower_hex(text: str) -> str:
    return re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), text)


def forms(secret: str) -> dict[str, str]:
    """Text a server or proxy might send back, each holding the secret in one form."""
    basic = b64(":" + secret)
    return {
        "raw": f"The user '{secret}' is not authorized",
        "bearer header": f"Authorization: Bearer {secret}",
        "basic header": f"Authorization: Basic {basic}",
        "base64 alone": f"credentials={basic};",
        "base64 unpadded": f"[{basic.rstrip('=')}]",
        "base64 urlsafe": f"cookie: a={urlsafe(':' + secret).rstrip('=')}",
        "base64 with a user name": f"Basic {b64('alice@fabrikam.com:' + secret)}",
        "base64 with another user name": f"Basic {b64('x:' + secret)}",
        "base64 glued to other text": f"id=7,auth=abc{b64('ab:' + secret).rstrip('=')}",
        "base64 url-encoded": f"GET /x?auth={quote(b64('bob:' + secret), safe='')}",
        "base64 url-encoded lower hex": f"?a={lower_hex(quote(basic, safe=''))}",
        "base64 json-escaped": json.dumps({"h": basic}).replace("/", "\\/").replace("+", "\\u002B"),
        "url-encoded": f"https://proxy.example/login?token={quote(secret, safe='')}&x=1",
        "form-encoded": f"token={quote_plus(secret)}",
        "json-escaped": json.dumps({"token": secret}).replace("/", "\\/"),
        "glued": f"token:{secret}@host",
        "twice": f"{secret} and again {secret}",
    }


def leaks(text: str, secret: str) -> list[str]:
    """The forms of `secret` still found in `text`, in any alignment of base64."""
    found = [secret, json.dumps(secret)[1:-1].replace("/", "\\/")]
    for user in ("", "x", "bob", "alice@fabrikam.com", "ab"):
        whole = b64(f"{user}:{secret}")
        found += [whole, whole.rstrip("="), urlsafe(f"{user}:{secret}").rstrip("=")]
    # the base64 characters that carry nothing but the secret, whatever came before it
    found += [b64(pad + secret)[4:-4] for pad in ("", "x", "xy")]
    encoded = [quote(form, safe="") for form in found] + [quote_plus(secret)]
    found += encoded + [lower_hex(form) for form in encoded]
    return [form for form in dict.fromkeys(found) if form and form in text]


@pytest.mark.parametrize("secret", [PAT, JWT, ODD], ids=["pat", "jwt", "odd"])
@pytest.mark.parametrize("form", list(forms(PAT)))
def test_every_form_is_masked(secret: str, form: str) -> None:
    text = forms(secret)[form]
    assert leaks(text, secret), "the form must hold the secret, or this test proves nothing"
    shown = Redactor([secret])(text)
    assert leaks(shown, secret) == []
    assert "***" in shown


def test_what_is_not_the_secret_is_kept() -> None:
    redact = Redactor([PAT])
    text = (
        "TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty. "
        "Basic authentication is disabled; Bearer token expected. "
        "work item 12, field Microsoft.VSTS.Common.Priority: VS403474 (relations-and-links)"
    )
    assert redact(text) == text
    assert Redactor()(text) == text


def test_a_whole_base64_run_goes_not_only_the_token_part() -> None:
    # the user name in front of the token is not left behind as a clue
    assert Redactor([PAT])(f"Basic {b64('svc-account:' + PAT)} end") == "Basic *** end"


def test_a_credential_this_run_did_not_send_is_masked_too() -> None:
    # a proxy's own credential, or ours cut short by a page that truncates long headers
    redact = Redactor()
    cut = b64(":" + PAT)[:30]
    assert redact(f"Authorization: Basic {cut} (cut)") == "Authorization: Basic *** (cut)"
    assert redact(f"authorization=bearer%20{JWT}") == "authorization=bearer%20***"


def test_a_toy_token_is_masked_where_it_stands_alone_only() -> None:
    redact = Redactor(["p"])
    hint = "the token was refused (expired or wrong?); set AZURE_DEVOPS_EXT_PAT"
    assert redact(hint) == hint
    assert redact("user 'p' (Basic OnA=)") == "user '***' (Basic ***)"


def test_errors_are_scrubbed_in_place_with_what_they_carry() -> None:
    inner = ServerError(f"new Task: bad header Bearer {PAT}", hint=f"not {PAT}", field=PAT)
    inner.add_note(f"seen: {PAT}")
    outer = BatchRefusedError(f"$batch of 2: refused: {inner.message}", errors=[inner], hint=None)
    assert Redactor([PAT]).scrub(outer) is outer
    assert PAT not in repr(vars(outer)) + repr(vars(inner)) + repr(outer.args) + repr(inner.args)
    assert inner.message == "new Task: bad header Bearer ***"
    assert inner.field == "***"
    assert inner.__notes__ == ["seen: ***"]


def test_the_redactor_keeps_its_secrets() -> None:
    redactor = Token(PAT, "basic").redactor()
    assert PAT not in repr(redactor) + str(redactor)
    with pytest.raises(TypeError):
        pickle.dumps(redactor)


def test_the_environment_redactor_knows_both_variables() -> None:
    redact = redactor_from_env({"AZURE_DEVOPS_EXT_PAT": f" {PAT}\n", "SYSTEM_ACCESSTOKEN": JWT})
    assert redact(f"{PAT} {JWT} {b64(':' + PAT)}") == "*** *** ***"
    assert redactor_from_env({})("nothing to hide") == "nothing to hide"
