"""Redaction: a token, in any form a server or proxy may quote it back, becomes `***`.

Servers and proxies echo requests in their error pages: the `Authorization` header (`Basic
base64(":" + token)` or `Bearer token`), a URL with the token in it, a JSON dump of the headers.
Every message built from what came back over the wire passes through a `Redactor` that knows
the tokens of the run, so none of those forms is ever shown, logged or written.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from typing import TypeVar
from urllib.parse import quote, quote_plus

MASK = "***"

SCAN_MIN = 8
"""Secrets at least this long are also looked for inside any base64 text (with any user name,
any padding, either alphabet). Below it, decoded bytes would match by chance, and the secret is
masked only where it stands alone, so that a toy token `p` does not turn "expired" into
"ex***ired"."""

_B64_CHAR = r"(?:[A-Za-z0-9+/_-]|%2[BbFf]|\\/|\\u002[BbFf])"
_B64_PAD = r"(?:=|%3[Dd]|\\u003[Dd])"
_B64_RUN = re.compile(rf"{_B64_CHAR}+{_B64_PAD}{{0,2}}")
"""A run of base64 (either alphabet), also as it looks URL-encoded or JSON-escaped."""
_B64_UNESCAPE = re.compile(r"%2[BbFf]|%3[Dd]|\\/|\\u00(?:2[BbFf]|3[Dd])")
_ESCAPED = {
    "%2b": "+",
    "%2f": "/",
    "%3d": "=",
    "\\/": "/",
    "\\u002b": "+",
    "\\u002f": "/",
    "\\u003d": "=",
}
_URLSAFE = str.maketrans("-_", "+/")

_CREDENTIAL = re.compile(
    r"(?i:\b(?P<scheme>basic|bearer))(?P<gap>\s+|%20|\+)(?P<value>[A-Za-z0-9._~+/%\\-]{12,}=*)"
)
"""Any `Basic ...` / `Bearer ...` credential, even one this run did not send (a proxy's own, or a
quote cut short): masked when it looks like one, with a digit or a symbol in it."""

E = TypeVar("E", bound=BaseException)


class Redactor:
    """Masks the given secrets in text: raw, URL-encoded, JSON-escaped, and base64 as in a Basic
    header (with or without padding, either alphabet, any user name). Holds the secrets, so its
    repr does not show them and it cannot be pickled."""

    __slots__ = ("_literals", "_scan", "_scan_from")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        unique = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
        patterns = sorted(
            {pattern for secret in unique for pattern in _literal_patterns(secret)},
            key=len,
            reverse=True,
        )
        self._literals = re.compile("|".join(patterns)) if patterns else None
        self._scan = tuple(secret.encode() for secret in unique if len(secret) >= SCAN_MIN)
        # no shorter run of base64 can hold the shortest secret scanned for
        self._scan_from = min((len(secret) for secret in self._scan), default=0) * 4 // 3

    def __call__(self, text: str) -> str:
        """`text` with every form of every secret, and anything that looks like a Basic or
        Bearer credential, replaced by `***`."""
        if self._scan:
            # first, so that a whole run goes (a user name encoded with the token included)
            text = _B64_RUN.sub(self._mask_base64, text)
        if self._literals is not None:
            text = self._literals.sub(MASK, text)
        return _CREDENTIAL.sub(_mask_credential, text)

    def scrub(self, error: E) -> E:
        """Redact, in place, every text an exception carries (message, hint, args, field...,
        and the errors nested in it), and return it: ready to raise, print or store."""
        error.args = tuple(self._value(arg) for arg in error.args)
        for name, value in list(vars(error).items()):
            setattr(error, name, self._value(value))
        return error

    def _value(self, value: object) -> object:
        if isinstance(value, str):
            return self(value)
        if isinstance(value, BaseException):
            return self.scrub(value)
        # plain tuples and lists only: a subclass (a named tuple) cannot be rebuilt from items
        if isinstance(value, (tuple, list)) and type(value) in (tuple, list):
            items = [self._value(item) for item in value]
            return tuple(items) if isinstance(value, tuple) else items
        return value

    def _mask_base64(self, match: re.Match[str]) -> str:
        run = match.group()
        if len(run) < self._scan_from:
            return run
        plain = _B64_UNESCAPE.sub(lambda m: _ESCAPED[m.group().lower()], run)
        plain = plain.rstrip("=").translate(_URLSAFE)
        # The secret may start anywhere in the run (after "user:", after text glued to it):
        # one of the four alignments decodes it.
        for offset in range(4):
            decoded = _b64decode(plain[offset:])
            if decoded and any(secret in decoded for secret in self._scan):
                return MASK
        return run

    def __repr__(self) -> str:
        return f"Redactor({MASK})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Redactor holds secrets and cannot be pickled")


def _literal_patterns(secret: str) -> set[str]:
    """Regular expressions for the forms of `secret` that are looked for as they are."""
    basic = f":{secret}".encode()
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        base64.b64encode(basic).decode(),
        base64.b64encode(basic).decode().rstrip("="),
        base64.urlsafe_b64encode(basic).decode(),
        base64.urlsafe_b64encode(basic).decode().rstrip("="),
    }
    patterns = {_hex_any_case(re.escape(form)) for form in forms}
    if len(secret) >= SCAN_MIN:
        return patterns
    # A short secret is masked only where it stands alone (see SCAN_MIN).
    return {rf"(?<![A-Za-z0-9])(?:{pattern})(?![A-Za-z0-9])" for pattern in patterns}


def _hex_any_case(pattern: str) -> str:
    """Percent-escapes in an escaped pattern match in either case (`%2F` and `%2f`)."""
    return re.sub(
        r"%([0-9A-F])([0-9A-F])",
        lambda m: "%" + "".join(_any_case(c) for c in m.groups()),
        pattern,
    )


def _any_case(char: str) -> str:
    return f"[{char}{char.lower()}]" if char.isalpha() else char


def _b64decode(text: str) -> bytes:
    if len(text) % 4 == 1:
        text = text[:-1]  # a lone trailing character carries no whole byte
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return b""


def _mask_credential(match: re.Match[str]) -> str:
    value = match.group("value")
    if not any(char.isdigit() or not char.isalpha() for char in value):
        return match.group()  # "Basic authentication", not a credential
    return f"{match.group('scheme')}{match.group('gap')}{MASK}"
