"""What to tell someone whose date was not read: the day that does not exist, the
American or European date that can be rewritten, the one that cannot be told apart.

Light on purpose (no pydantic): the loader uses it while it reads the YAML.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_YMD = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_XYY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
DATE_SHAPED = re.compile(r"^\s*\d{1,4}\s*[-/.]\s*\d{1,2}(\s*[-/.]\s*\d{1,4})?\s*$")
"""Text that was meant as a date (digits and separators), however written."""

_EXAMPLE = "Write dates as YYYY-MM-DD, e.g. 2026-09-05 (or YYYY-MM, YYYY where allowed)."


def _day(y: int, m: int, d: int) -> dt.date | str:
    """The date, or why it does not exist."""
    if not 1 <= m <= 12:
        return f"there is no month {m}"
    days = calendar.monthrange(y, m)[1]
    if not 1 <= d <= days:
        return f"{calendar.month_name[m]} {y} has no day {d} (it has {days} days)"
    return dt.date(y, m, d)


def advice(text: str) -> tuple[str, str]:
    """(what is wrong with ``text`` as a date, how to write it)."""
    value = str(text).strip()
    if m := _ISO.match(value):
        day = _day(int(m[1]), int(m[2]), int(m[3]))
        if isinstance(day, str):
            return (
                f"{value} is not a real date: {day}",
                "It is written the right way (YYYY-MM-DD): check the day on the record.",
            )
        return f"{value} is not a date sopacket can read", _EXAMPLE
    if m := _YMD.match(value):
        return _rewritten(value, int(m[1]), int(m[2]), int(m[3]))
    if m := _XYY.match(value):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if a > 12 >= b:  # day first (25/12/2026)
            return _rewritten(value, y, b, a)
        if b > 12 >= a or a == b:  # month first (12/25/2026)
            return _rewritten(value, y, a, b)
        if a <= 12 and b <= 12:
            first, second = dt.date(y, a, b), dt.date(y, b, a)
            return (
                f"{value} could mean {_spoken(first)} or {_spoken(second)}",
                f"Write it as YYYY-MM-DD: {first.isoformat()} or {second.isoformat()}.",
            )
    return f'"{value}" is not a date', _EXAMPLE


def _rewritten(value: str, y: int, m: int, d: int) -> tuple[str, str]:
    day = _day(y, m, d)
    if isinstance(day, str):
        return f"{value} is not a real date: {day}", "Check the date on the record."
    return f"{value} is not written YYYY-MM-DD", f"Write it as {day.isoformat()}."


def _spoken(day: dt.date) -> str:
    return f"{day.day} {calendar.month_name[day.month]}"


def sentence(text: str) -> str:
    """:func:`advice` as one sentence pair (for a single-line message)."""
    what, fix = advice(text)
    return f"{what}. {fix}"
