"""The Log sheet of an update: the last update's rows moved down under the new lines, or rebuilt.

The Log shows the newest LOG_ROWS lines, newest first, so each update puts its lines on top and
pushes the others down. When the workbook's Log is exactly the sheet qap saved last time (same
bytes, same styles) and the log has gained no line since, its rows are what a rebuild would
write below the new lines, one row number further down per new line: they are moved, not
rebuilt from the log.

"Exactly the sheet qap saved" is told from the zip entry as stored (its CRC, sizes and a digest
of the compressed bytes, as for the Tracker sheet's memo), not by hashing the inflated part.
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
from pipeline.tracker.sheets import LOG_HEADERS, LOG_ROWS, build_log
from pipeline.tracker.styles_xml import Styles

log = logging.getLogger(__name__)

# A row's number where the Log writes it: its own tag and each cell's reference.
_NUMBERS = re.compile(rb'(<row r="|<c r="[A-Z]+)(\d+)(?=")')
# Where a row's number is followed by a quote as qap writes a Log row: its tag and its cells.
_NUMBERED = 1 + len(LOG_HEADERS)
# Marks a LogSheet whose digest is of the part as stored; a record without it (an older qap's,
# a digest of the inflated part) reads as none, and the Log is rebuilt once.
_KIND = "stored"


@dataclass(frozen=True)
class LogSheet:
    """The Log sheet as saved: its part's digest as stored in the zip (sheet_memo.stored_digest,
    hex), the styles' digest, and the lines it shows.

    The registry keeps it only while the log's order is the order the sheet shows (see
    Registry.commit_write).
    """

    digest: str
    styles: str
    rows: int

    def to_json(self) -> str:
        """As kept in the registry."""
        return json.dumps([_KIND, self.digest, self.styles, self.rows])

    @classmethod
    def from_json(cls, text: str) -> LogSheet | None:
        """As read back from the registry (None when unreadable or of an older kind)."""
        try:
            kind, digest, styles, rows = json.loads(text)
        except (ValueError, TypeError):
            return None
        return cls(str(digest), str(styles), int(rows)) if kind == _KIND else None


def digest(data: bytes) -> str:
    """The digest LogSheet keeps of a part."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def saved_log_sheet(writer: PackageWriter, grid: Grid, styles: bytes, saved: Book) -> str | None:
    """What to keep of the Log sheet just saved (with these styles; `saved`: the package as
    saved), for the next update."""
    part = writer.sheet_parts.get(LOG_SHEET)
    if part is None or part not in writer.parts:
        return None
    stored = saved.stored_digest(part)
    if stored is None:
        return None
    return LogSheet(stored.hex(), digest(styles), max(0, grid.rows_reach[0] - 1)).to_json()


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
    grid.rows_bytes = _moved_down(old, len(entries))
    log.info("tracker: %d Log rows moved under %d new lines", count, len(entries))
    return grid


def _moved_down(rows: bytes, shift: int) -> bytes:
    """Log rows numbered from 2 (as qap writes them), renumbered `shift` rows further down."""
    pieces = rows.split(b"</row>")
    tail = pieces.pop()
    # Row n's number becomes row n + shift's: one list serves both (map stops at the rows' end).
    olds = _quoted(2, len(pieces) + shift)
    news = olds[shift:]
    # A row whose number and quote are found only in its tag and its cells' references (text
    # escapes "<", so it cannot hold a tag, but may hold `12"`) is renumbered by one replace.
    # The others (a style number ending in the row number, such text) take the general way.
    counts = list(map(bytes.count, pieces, olds))
    moved = list(map(bytes.replace, pieces, olds, news))
    if counts.count(_NUMBERED) != len(counts):
        for at, count in enumerate(counts):
            if count != _NUMBERED:
                moved[at] = _renumbered(pieces[at], shift)
    moved.append(tail)
    return b"</row>".join(moved)


def _quoted(first: int, count: int) -> list[bytes]:
    """`count` numbers from `first`, each followed by a quote, as bytes."""
    # One join and one split: no Python step per number.
    return ('"\x00'.join(map(str, range(first, first + count))) + '"').encode().split(b"\x00")


def _renumbered(rows: bytes, shift: int) -> bytes:
    """Log rows renumbered `shift` rows further down (row tags and cell references), whatever
    their text and numbers."""
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
    stored = book.stored_digest(entry.part)
    if stored is None or stored.hex() != saved.digest or digest(styles_part) != saved.styles:
        return None
    data = book.read(entry.part)
    # Text escapes "<": each tag is found once, and the rows' end is found from the part's end.
    start = data.find(b'<row r="2"')
    end = data.rfind(b'<row r="%d"' % (count + 2)) if count < saved.rows else -1
    if end < 0:
        end = data.rfind(b"</sheetData>")
    if start < 0 or end < start:
        return None
    return data[start:end], count
