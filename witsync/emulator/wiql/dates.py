"""Date literals and date macros (@today, @StartOfMonth('-1M'), ...) read as the service does."""

from __future__ import annotations

import datetime as dt
import re

from witsync.emulator.wiql.ast import Const
from witsync.emulator.wiql.errors import caused

_DATE_FORMATS = ("%m/%d/%Y", "%m-%d-%Y")
_DATETIME_FORMATS = (
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
)


def parse_date(const: Const, *, time_allowed: bool) -> dt.datetime:
    """A date literal as naive UTC; under day precision a time part is refused, as on the server."""
    text = str(const.value).strip()
    value: dt.datetime | None = None
    has_time = False
    try:
        parsed = dt.datetime.fromisoformat(text)
        has_time = "T" in text.upper() or ":" in text
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        value = parsed
    except ValueError:
        for fmt in _DATE_FORMATS + _DATETIME_FORMATS:
            try:
                value = dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            has_time = fmt in _DATETIME_FORMATS
            break
    if value is None:
        raise caused("TF51000: An unsupported date format.", const.text)
    if has_time and not time_allowed:
        raise caused(
            "You cannot supply a time with the date when running a query using date precision.",
            const.text,
        )
    return value


def _shift(day: dt.date, amount: int, unit: str) -> dt.date:
    if unit == "d":
        return day + dt.timedelta(days=amount)
    if unit == "w":
        return day + dt.timedelta(weeks=amount)
    months = day.year * 12 + day.month - 1 + (amount * 12 if unit == "y" else amount)
    return day.replace(year=months // 12, month=months % 12 + 1)


def macro_date(const: Const, today: dt.date) -> dt.date:
    name = str(const.value)
    starts = {
        "today": today,
        "startofday": today,
        # Azure Boards weeks start on Sunday.
        "startofweek": today - dt.timedelta(days=(today.weekday() + 1) % 7),
        "startofmonth": today.replace(day=1),
        "startofyear": today.replace(month=1, day=1),
    }
    unit = {"today": "d", "startofday": "d", "startofweek": "w", "startofmonth": "m"}.get(name, "y")
    day = starts[name] + dt.timedelta(days=const.offset)
    if const.arg is not None:
        match = re.fullmatch(r"\s*([+-])\s*(\d+)\s*([dwmy]?)\s*", const.arg, re.IGNORECASE)
        if match is None:
            raise caused("The macro argument is not valid.", const.text)
        amount = int(match[2]) * (-1 if match[1] == "-" else 1)
        day = _shift(day, amount, (match[3] or unit).lower())
    return day
