"""Turns an Azure DevOps answer that is not a success into a ServerError saying what went wrong.

The message names the work item, the field when the server says which one, and the server's own
text; the hint says what to do. Error bodies come in several shapes (a serialized exception, an
HttpError wrapped like a collection, HTML, nothing at all), so every lookup here is defensive.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from witsync.errors import AuthError, ConflictError, NotFoundError, ServerError, TransientError

AUTH_HINT = (
    "set AZURE_DEVOPS_EXT_PAT to a personal access token with the Work Items (Read & write) "
    "scope, or SYSTEM_ACCESSTOKEN in Azure Pipelines"
)

RETRYABLE_STATUSES = frozenset({429, 503})
"""Answers that mean "not processed, come back later": safe to retry for reads and writes alike."""
TRANSIENT_STATUSES = RETRYABLE_STATUSES | {502, 504}
"""Busy or unavailable: reads retry all of these; a gateway error (502, 504) may hide a processed
write, so writes do not. Still there after the retries, they are a TransientError."""

_FIELD_PATTERNS = (
    re.compile(r"TF401320: Rule Error for field (?P<field>.+?)\. Error code"),
    re.compile(r"TF51535: Cannot find field (?P<field>.+?)\.(?:\s|$)"),
    re.compile(r"The field '(?P<field>[^']+)' contains the value"),
    re.compile(r"field '(?P<field>[^']+)'"),
    re.compile(r"VS403182: The (?P<field>\S+) field cannot be modified"),
)


def raise_for_response(
    response: httpx.Response, *, work_item: int | str | None, has_token: bool
) -> None:
    """Return if `response` carries data; raise the matching ServerError otherwise."""
    status = response.status_code
    if status == 401 or status == 203 or (200 <= status < 300 and _is_html(response)):
        raise _auth_error(status, has_token)
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        raise _redirect_error(response, has_token)
    message, type_key, field = _server_text(response)
    where = _where(work_item, field)
    common: dict[str, Any] = {
        "status": status,
        "work_item": work_item,
        "field": field,
        "type_key": type_key,
    }
    if status == 403:
        raise AuthError(
            f"{where}access denied: {message}",
            hint="the token is valid but lacks permission here; " + AUTH_HINT,
            **common,
        )
    if status in (409, 412):
        raise ConflictError(
            f"{where}changed on the board since it was read: {message}",
            hint="run `witsync plan` again to see the current state, then apply the new plan",
            **common,
        )
    if status == 404:
        raise NotFoundError(
            f"{where}not found: {message}",
            hint="check the organization URL, the project name and the work item id",
            **common,
        )
    if status in TRANSIENT_STATUSES:
        raise TransientError(
            f"{where}the server stayed busy or unavailable (HTTP {status}): {message}",
            hint="wait a few minutes and run the command again",
            **common,
        )
    raise ServerError(f"{where}{message}", hint=_hint_for(status, type_key), **common)


def _is_html(response: httpx.Response) -> bool:
    return "text/html" in response.headers.get("Content-Type", "").lower()


def _auth_error(status: int, has_token: bool) -> AuthError:
    if not has_token:
        return AuthError(
            "the server wants a token and none was given",
            hint=AUTH_HINT,
            status=status,
        )
    return AuthError(
        "the token was refused (expired or wrong?)",
        hint="create a new token and " + AUTH_HINT,
        status=status,
    )


def _redirect_error(response: httpx.Response, has_token: bool) -> ServerError:
    target = _location(response)
    if target is not None and ("signin" in target.path.lower() or "login" in (target.host or "")):
        return _auth_error(response.status_code, has_token)
    # Shown without query, fragment or user info: a redirect may carry credentials in any of them.
    shown = target.copy_with(query=None, fragment=None, userinfo=b"") if target else "?"
    return ServerError(
        f"the server redirected the request to {shown}",
        hint="check the organization URL: use the https URL of the organization or collection",
        status=response.status_code,
    )


def _location(response: httpx.Response) -> httpx.URL | None:
    location = response.headers.get("Location", "")
    try:
        return httpx.URL(location) if location else None
    except httpx.InvalidURL:
        return None  # not a URL: where it pointed is unknown (and never a crash)


def _where(work_item: int | str | None, field: str | None) -> str:
    parts = []
    if work_item is not None:
        parts.append(f"work item {work_item}")
    if field:
        parts.append(f"field {field}")
    return ", ".join(parts) + ": " if parts else ""


def _hint_for(status: int, type_key: str | None) -> str:
    if type_key == "RuleValidationException":
        return "the process rules of the project refused the value; fix it in the manifest"
    if status >= 500:
        return "the server failed; run the command again, and report it if it keeps failing"
    return "fix the manifest or the configuration named above, then run the command again"


def _server_text(response: httpx.Response) -> tuple[str, str | None, str | None]:
    """(message, typeKey, field) from any error body the server may send."""
    body = _json_or_none(response)
    if isinstance(body, Mapping):
        inner = body.get("value")
        if isinstance(inner, Mapping) and not isinstance(body.get("message"), str):
            # An HttpError wrapped like a collection: {"count":1,"value":{"Message":"..."}}.
            body = inner
        message = _first_str(body, "message", "Message")
        type_key = _first_str(body, "typeKey")
        rule_errors = _rule_errors(body)
        if rule_errors:
            field = rule_errors[0][0] or _field_in(message or "")
            texts = [message] if message else []
            texts += [text for _, text in rule_errors if text and text not in texts]
            return "; ".join(texts), type_key, field
        if message:
            return message, type_key, _field_in(message)
    text = response.text.strip()
    if text and not _is_html(response) and len(text) <= 500:
        return text, None, _field_in(text)
    return f"HTTP {response.status_code} {response.reason_phrase}".strip(), None, None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _first_str(body: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _rule_errors(body: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """(field reference name, message) for each entry of customProperties.RuleValidationErrors."""
    custom = body.get("customProperties")
    if not isinstance(custom, Mapping):
        return []
    entries = next((v for k, v in custom.items() if k.lower() == "rulevalidationerrors"), None)
    if not isinstance(entries, list):
        return []
    found = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        lowered = {str(k).lower(): v for k, v in entry.items()}
        field = lowered.get("fieldreferencename")
        text = lowered.get("errormessage")
        found.append(
            (field if isinstance(field, str) else None, text if isinstance(text, str) else "")
        )
    return found


def _field_in(message: str) -> str | None:
    for pattern in _FIELD_PATTERNS:
        match = pattern.search(message)
        if match:
            return match.group("field")
    return None
