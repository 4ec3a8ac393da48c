"""The Tracker sheet's columns, who owns each, the status and source vocabularies, agency codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.config import Agency, Partnership

NOT_STARTED = "Not started"
IN_PROGRESS = "In progress"
COMPLETED = "Completed"
CLOSED = "Verified and closed"
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED, CLOSED)
DONE_STATUSES = (COMPLETED, CLOSED)

AGENCY_ACTION = "Agency action"
RECOMMENDATION = "Partnership recommendation"
SECTION_11 = "Section 11"
SOURCES = (AGENCY_ACTION, RECOMMENDATION, SECTION_11)

TRACKER_SHEET = "Tracker"
SUMMARY_SHEET = "Summary"
RETURNS_SHEET = "Returns"
LOG_SHEET = "Log"
# Sheets qap deletes and rebuilds on every write; the group's edits there do not survive.
QAP_SHEETS = (SUMMARY_SHEET, RETURNS_SHEET, LOG_SHEET)


@dataclass(frozen=True)
class Column:
    """One Tracker column: its key, header text, width, and whether it holds a date."""

    key: str
    header: str
    width: float
    date: bool = False


COLUMNS = (
    Column("ref", "Ref", 14),
    Column("audit", "Audit", 20),
    Column("source", "Source", 13),
    Column("theme", "Theme or section", 16),
    Column("text", "Recommendation or action", 44),
    Column("lead_agency", "Lead agency", 22),
    Column("owner", "Owner", 19),
    Column("raised", "Date raised", 11, date=True),
    Column("target", "Target date", 11, date=True),
    Column("revised_target", "Revised target date", 11, date=True),
    Column("status", "Status", 13),
    Column("rag", "RAG", 8),
    Column("progress", "Latest progress update", 40),
    Column("evidence", "Evidence of impact", 32),
    Column("last_updated", "Last updated", 11, date=True),
    Column("closed", "Date closed", 11, date=True),
)
KEYS = tuple(c.key for c in COLUMNS)
DATE_KEYS = frozenset(c.key for c in COLUMNS if c.date)
BY_KEY = {c.key: c for c in COLUMNS}
# Headers are matched loosely so a group that retitles "Status" as "status " still lines up.
BY_HEADER = {c.header.casefold(): c.key for c in COLUMNS}


def header_key(header: object) -> str | None:
    """The column key a header cell names, or None for a column the group added."""
    if not isinstance(header, str):
        return None
    return BY_HEADER.get(" ".join(header.split()).casefold())


def normalise_status(text: str) -> str | None:
    """The status a typed value means (case and spacing forgiven), or None when it is not one."""
    wanted = " ".join(text.split()).casefold()
    synonyms = {"closed": CLOSED, "verified": CLOSED, "complete": COMPLETED, "done": COMPLETED}
    for status in STATUSES:
        if status.casefold() == wanted:
            return status
    return synonyms.get(wanted)


def agency_codes(partnership: Partnership) -> dict[str, str]:
    """A short upper-case code per agency key for refs (police -> POL, community-health -> CH)."""
    codes: dict[str, str] = {}
    for agency in partnership.agencies:
        words = agency.key.split("-")
        base = words[0][:3].upper() if len(words) == 1 else "".join(w[0] for w in words).upper()
        code, n = base, 2
        while code in codes.values():
            code, n = f"{base}{n}", n + 1
        codes[agency.key] = code
    return codes


def agency_finder(partnership: Partnership) -> Callable[[str], Agency | None]:
    """find_agency for many cells: the names are indexed once (the first agency listed wins)."""
    index: dict[str, Agency] = {}
    for agency in partnership.agencies:
        for name in agency.names():
            index.setdefault(name.casefold(), agency)

    def find(text: str) -> Agency | None:
        wanted = " ".join(text.split()).casefold()
        return index.get(wanted) if wanted else None

    return find


def find_agency(partnership: Partnership, text: str) -> Agency | None:
    """The agency a typed lead-agency cell names (by name, alias or key), or None."""
    return agency_finder(partnership)(text)
