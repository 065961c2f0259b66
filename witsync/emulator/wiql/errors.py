"""How the WIQL engine refuses a query: its errors, worded and printed as the service's own."""

from __future__ import annotations


class WiqlError(Exception):
    """A refused query: `message` is the full server text, `type_key` its exception name."""

    def __init__(self, message: str, type_key: str = "VssPropertyValidationException") -> None:
        super().__init__(message)
        self.message = message
        self.type_key = type_key


class WiqlLimitError(WiqlError):
    """More results than the service returns (VS402337)."""

    def __init__(
        self,
        message: str,
        type_key: str = "WorkItemTrackingQueryResultSizeLimitExceededException",
    ) -> None:
        super().__init__(message, type_key)


def caused(message: str, token: str) -> WiqlError:
    """A refusal that names the token it stopped at, as the service's messages end."""
    return WiqlError(f"{message} The error is caused by «{token}».")


def display_name(name: str) -> str:
    """A name as the service prints it in errors: bracketed unless it is letters and digits."""
    plain = name[:1].isalpha() and all(c.isalnum() for c in name)
    return name if plain else f"[{name}]"


def display_string(value: str) -> str:
    """A string as the service prints it in errors: single-quoted, quotes doubled."""
    return "'" + value.replace("'", "''") + "'"
