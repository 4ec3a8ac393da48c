"""Text from returns made fit for a Word document: XML-illegal characters replaced, never dropped."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.text import xml_safe

_LOCAL_ZONE = "Europe/London"


def clean_text(text: str) -> tuple[str, int]:
    """The text with line endings as \\n and characters Word cannot hold replaced by U+FFFD, and how many."""
    return xml_safe(text.replace("\r\n", "\n").replace("\r", "\n"))


def paragraphs(text: str) -> list[str]:
    """Definition text (wrapped at fixed width in TOML) as paragraphs split at blank lines."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return [
        " ".join(line.strip() for line in block.splitlines()) for block in blocks if block.strip()
    ]


def local_time(moment: dt.datetime) -> dt.datetime:
    """A timestamp in the partnership's time zone (England); naive times are taken as already local."""
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(ZoneInfo(_LOCAL_ZONE))
    except ZoneInfoNotFoundError:
        return moment.astimezone()


def long_date(day: dt.date) -> str:
    """A date as a report writes it: 3 February 2027."""
    return f"{day.day} {day:%B %Y}"


def short_date(day: dt.date) -> str:
    """A date for a table cell: 3 Feb 2027."""
    return f"{day.day} {day:%b %Y}"


def time_of_day(moment: dt.datetime) -> str:
    """A time as a report writes it: 14:32 on 3 February 2027."""
    local = local_time(moment)
    return f"{local:%H:%M} on {long_date(local.date())}"


def stamp(moment: dt.datetime) -> str:
    """A timestamp for a table cell: 3 Feb 2027 14:32."""
    local = local_time(moment)
    return f"{short_date(local.date())} {local:%H:%M}"


def iso_date(value: str | None) -> str:
    """An ISO date answer written as 3 Feb 2027; anything else is returned unchanged."""
    if not value:
        return ""
    try:
        return short_date(dt.date.fromisoformat(value))
    except ValueError:
        return value


def percent(part: int, whole: int) -> str:
    """A share as a whole percentage, rounded half up: 63%; a dash when there is nothing to share."""
    if whole <= 0:
        return "–"
    return f"{(200 * part + whole) // (2 * whole)}%"


def plural(count: int, one: str, many: str | None = None) -> str:
    """A count with its noun: 1 case, 3 cases."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def join_names(names: list[str]) -> str:
    """Names as a sentence list: A, B and C."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
