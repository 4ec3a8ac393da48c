"""Cell values as plain text: canonical forms for comparing, dates, and text Excel can hold safely."""

from __future__ import annotations

import datetime as dt
import functools

from pipeline.text import REPLACEMENT, XML_ILLEGAL, xml_safe
from pipeline.validate import parse_date as parse_answer_date

# Excel's cell limit; openpyxl truncates longer strings without a word, so qap does it visibly.
MAX_CELL_CHARS = 32_767
TRUNCATION_MARK = " [… cut short here: the full text is in the return and the draft report]"
# Text starting with one of these becomes a formula (or DDE call) when someone edits the cell.
RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
ERROR_LITERALS = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")
)


def canonical(value: object) -> str:
    """A cell value as the text qap compares: '' for empty, ISO for dates, integers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Cached: a tracker holds thousands of cells but few distinct dates.
@functools.lru_cache(maxsize=8192)
def parse_date(text: str) -> dt.date | None:
    """A date typed in any of the usual UK ways, or None (the same reading as returns get)."""
    iso = parse_answer_date(text)
    return dt.date.fromisoformat(iso) if iso else None


def iso_date(text: str) -> str:
    """The ISO form of a typed date, or the text unchanged when it is not a date."""
    parsed = parse_date(text)
    return parsed.isoformat() if parsed else text


def clean_text(text: str) -> tuple[str, tuple[str, ...]]:
    """Text Excel can store, and notes (never the text itself) saying what had to change."""
    # openpyxl raises on some XML-illegal characters at assignment and on U+FFFE only mid-save.
    if len(text) <= MAX_CELL_CHARS and XML_ILLEGAL.search(text) is None:
        return text, ()
    notes: list[str] = []
    text, count = xml_safe(text)
    if count:
        notes.append(f"{count} character(s) Excel cannot store were replaced with {REPLACEMENT}")
    if len(text) > MAX_CELL_CHARS:
        keep = MAX_CELL_CHARS - len(TRUNCATION_MARK)
        notes.append(f"text of {len(text)} characters was cut to Excel's limit of {MAX_CELL_CHARS}")
        text = text[:keep] + TRUNCATION_MARK
    return text, tuple(notes)


def needs_quote_prefix(text: str) -> bool:
    """Whether Excel would read this text as a formula or error value if it were retyped."""
    return text.startswith(RISKY_START) or text.strip().upper() in ERROR_LITERALS
