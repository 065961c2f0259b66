"""Parameters of the comment endpoints: `$top`, `ids`, continuation tokens, `$expand`, `order`,
`format` and reaction types, each refused as the service refuses it."""

from __future__ import annotations

import base64
import binascii

from witsync.emulator import errors
from witsync.emulator.commentstore import REACTIONS
from witsync.emulator.errors import FRAMEWORK, ServiceError

PAGE = 200  # the service's MaxAllowedPageSize, for `$top` and for `ids`
# CommentExpandOptions by name and, as the Node client sends enums, by number
EXPANDS = {
    "none": "none",
    "0": "none",
    "reactions": "reactions",
    "1": "reactions",
    "renderedtext": "renderedText",
    "8": "renderedText",
    "renderedtextonly": "renderedTextOnly",
    "16": "renderedTextOnly",
    "all": "all",
    "-17": "all",
}
ORDERS = {"asc": "asc", "1": "asc", "desc": "desc", "2": "desc"}
FORMATS = {"markdown": "markdown", "0": "markdown", "html": "html", "1": "html"}


def expand_of(raw: str | None) -> str:
    text = (raw or "none").replace(" ", "")
    value = EXPANDS.get(text.lower())
    if value is None:
        raise errors.bad_request(f"The expand value '{text}' is not valid.")
    return value


def order_of(raw: str | None) -> str:
    """Newest first (`desc`) unless asked otherwise, as the service lists comments."""
    value = ORDERS.get((raw or "desc").lower())
    if value is None:
        raise errors.bad_request(f"The order value '{raw}' is not valid.")
    return value


def format_of(raw: str | None) -> str | None:
    """The `format` (CommentFormat, by name or number), None when not given."""
    if raw is None:
        return None
    value = FORMATS.get(raw.lower())
    if value is None:
        raise errors.bad_request(f"The format value '{raw}' is not valid: markdown or html.")
    return value


def reaction_of(raw: str) -> str:
    kind = raw.lower()
    if kind not in REACTIONS:
        raise errors.bad_request(
            f"The reaction type '{kind}' is not valid. Valid types are: {', '.join(REACTIONS)}."
        )
    return kind


def top_of(raw: str | None) -> int:
    if raw is None:
        return PAGE
    try:
        top = int(raw)
    except ValueError:
        top = 0
    if not 1 <= top <= PAGE:
        raise out_of_range("top", f" It must be between 1 and {PAGE}.")
    return top


def ids_of(raw: str) -> set[int]:
    try:
        ids = {int(x) for x in raw.split(",") if x.strip()}
    except ValueError:
        raise errors.bad_request(f"The ids parameter '{raw}' is not valid.") from None
    if not 1 <= len(ids) <= PAGE:
        raise out_of_range("ids.length", f" It must be between 1 and {PAGE}.")
    if any(i < 1 for i in ids):
        raise out_of_range("ids")
    return ids


def to_token(next_id: int) -> str:
    return base64.urlsafe_b64encode(f"comment:{next_id}".encode()).decode().rstrip("=")


def from_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind != "comment":
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.bad_request(f"The continuation token '{token}' is not valid.") from None


def out_of_range(name: str, detail: str = "") -> ServiceError:
    return ServiceError(
        400,
        "VssPropertyValidationException",
        f"The value of the {name} parameter is out of range.{detail}",
        namespace=FRAMEWORK,
        event_id=3000,
    )
