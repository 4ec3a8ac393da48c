"""The Log sheet of an update: the last update's rows moved down under the new lines, or rebuilt.

The Log shows the newest LOG_ROWS lines, newest first, so each update puts its lines on top and
pushes the others down. When the workbook's Log is exactly the sheet qap saved last time (same
bytes, same styles) and the log has gained no line since, its rows are what a rebuild would
write below the new lines, one row number further down per new line: they are moved, not
rebuilt from the log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.tracker.book import Book
from pipeline.tracker.columns import LOG_SHEET
from pipeline.tracker.grid_xml import Grid
from pipeline.tracker.package_write import PackageWriter
from pipeline.tracker.records import LogEntry
from pipeline.tracker.registry import Registry
from pipeline.tracker.sheets import LOG_ROWS, build_log
from pipeline.tracker.styles_xml import Styles

log = logging.getLogger(__name__)

# A row's number where the Log writes it: its own tag and each cell's reference.
_NUMBERS = re.compile(rb'(<row r="|<c r="[A-Z]+)(\d+)(?=")')


@dataclass(frozen=True)
class LogSheet:
    """The Log sheet as saved: its bytes' digest, the styles' digest, and the lines it shows.

    The registry keeps it only while the log's order is the order the sheet shows (see
    Registry.commit_write).
    """

    digest: str
    styles: str
    rows: int

    def to_json(self) -> str:
        """As kept in the registry."""
        return json.dumps([self.digest, self.styles, self.rows])

    @classmethod
    def from_json(cls, text: str) -> LogSheet | None:
        """As read back from the registry (None when unreadable)."""
        try:
            digest, styles, rows = json.loads(text)
            return cls(str(digest), str(styles), int(rows))
        except (ValueError, TypeError):
            return None


def digest(data: bytes) -> str:
    """The digest LogSheet keeps of a part."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def saved_log_sheet(writer: PackageWriter, grid: Grid, styles: bytes) -> str | None:
    """What to keep of the Log sheet just saved (with these styles), for the next update."""
    part = writer.sheet_parts.get(LOG_SHEET)
    data = writer.parts.get(part) if part else None
    if data is None:
        return None
    return LogSheet(digest(data), digest(styles), max(0, grid.rows_reach[0] - 1)).to_json()


def log_grid(
    styles: Styles, book: Book, styles_part: bytes, registry: Registry, entries: Sequence[LogEntry]
) -> Grid:
    """The Log sheet with these new lines on top: the last one's rows moved down when they can
    be, else rebuilt from the log."""
    entries = entries[:LOG_ROWS]
    kept = _kept_rows(book, styles_part, registry, len(entries))
    if kept is None:
        older = registry.log_entries(max(0, LOG_ROWS - len(entries)))
        return build_log(styles, [*entries, *older])
    old, count = kept
    grid = build_log(styles, entries, older=count)
    grid.rows_xml.append(_moved_down(old, len(entries)).decode("utf-8"))
    log.info("tracker: %d Log rows moved under %d new lines", count, len(entries))
    return grid


def _moved_down(rows: bytes, shift: int) -> bytes:
    """Log rows renumbered `shift` rows further down (row tags and cell references)."""
    # Split around every number: [text, tag, number, text, tag, number, ..., text].
    parts = _NUMBERS.split(rows)
    numbers = parts[2::3]
    new = {number: str(int(number) + shift).encode() for number in set(numbers)}
    parts[2::3] = [new[number] for number in numbers]
    return b"".join(parts)


def _kept_rows(
    book: Book, styles_part: bytes, registry: Registry, new: int
) -> tuple[bytes, int] | None:
    """The last Log's rows that stay, as bytes, and how many; None when they cannot be kept."""
    text = registry.log_sheet()
    saved = LogSheet.from_json(text) if text else None
    entry = book.sheet(LOG_SHEET)
    if saved is None or not new or not saved.rows or entry is None or not book.has(entry.part):
        return None
    count = min(saved.rows, LOG_ROWS - new)
    if count <= 0:
        return None
    data = book.read(entry.part)
    if digest(data) != saved.digest or digest(styles_part) != saved.styles:
        return None
    start = data.find(b'<row r="2"')
    end = data.find(b'<row r="%d"' % (count + 2)) if count < saved.rows else -1
    if end < 0:
        end = data.find(b"</sheetData>")
    if start < 0 or end < start:
        return None
    return data[start:end], count
