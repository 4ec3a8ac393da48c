"""The Log sheet: the last update's rows moved under the new lines read exactly as a rebuild."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
import zipfile

import openpyxl
import pytest

from pipeline.model import StoredReturn
from pipeline.tracker import log_sheet, service, sheets
from pipeline.tracker.book import Book
from pipeline.tracker.columns import LOG_SHEET
from pipeline.tracker.records import LogEntry
from pipeline.tracker.registry import open_registry
from pipeline.tracker.service import apply_returns
from pipeline.tracker.sheets import build_log
from pipeline.tracker.styles_xml import Styles
from pipeline.workspace import Workspace
from tests.tracker_helpers import TODAY, police_and_health, stored_return

MOVED = "Log rows moved"


def _returns(run: int) -> list[StoredReturn]:
    """Each run adds one more agency's action: new lines in the log."""
    extra = [
        stored_return(
            agency,
            [(f"Action {n} of {agency}", "Lead", "2027-06-30")],
            file_name=f"=return-{agency}.docx",  # a source Excel would read as a formula
        )
        for n, agency in enumerate(("csc", "housing", "probation")[:run], start=1)
    ]
    return [*police_and_health(), *extra]


def _saved_and_rebuilt(workspace: Workspace) -> tuple[bytes, bytes]:
    """The Log part as saved, and the Log a rebuild from the log would write with its styles."""
    book = Book.open(workspace.tracker_path())
    entry = book.sheet(LOG_SHEET)
    styles_part = book.part_of_type("styles")
    assert entry is not None and styles_part is not None
    with open_registry(workspace) as registry:
        entries = registry.log_entries(sheets.LOG_ROWS)
    return book.read(entry.part), build_log(Styles.parse(book.read(styles_part)), entries).to_xml()


def _next_second() -> None:
    # Updates a second or more apart, as most are.
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.05)


def _in_one_second(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every update from now on stamped in the same second, as quick updates in a row are."""
    real = service.make_context
    now = dt.datetime(2027, 2, 15, 10, 0, 5)
    monkeypatch.setattr(
        service, "make_context", lambda *args: dataclasses.replace(real(*args), now=now)
    )


@pytest.mark.parametrize(
    ("log_rows", "same_second"),
    [(3000, False), (3, False), (3000, True)],
    ids=["all lines", "capped", "updates in one second"],
)
def test_moved_rows_read_as_a_rebuild_would_write_them(
    workspace: Workspace,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    log_rows: int,
    same_second: bool,
) -> None:
    monkeypatch.setattr(sheets, "LOG_ROWS", log_rows)
    monkeypatch.setattr(log_sheet, "LOG_ROWS", log_rows)
    caplog.set_level(logging.INFO, logger="pipeline.tracker.log_sheet")
    if same_second:
        _in_one_second(monkeypatch)
    for run in range(4):
        if run and not same_second:
            _next_second()
        caplog.clear()
        result = apply_returns(workspace, _returns(run), [], today=TODAY + dt.timedelta(days=run))
        assert result.written and result.changes
        saved, rebuilt = _saved_and_rebuilt(workspace)
        assert saved == rebuilt
        assert (MOVED in caplog.text) == (run > 0)
    # Text that needs the quote prefix was moved too; the sheet holds the newest lines only.
    assert saved.count(b">=return-csc.docx<") == 1
    with open_registry(workspace) as registry:
        lines = len(registry.log_entries(10_000))
    assert lines > 3 and saved.count(b"<row ") == 1 + min(log_rows, lines)


def test_a_log_the_group_saved_is_rebuilt(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.tracker.log_sheet")
    apply_returns(workspace, _returns(0), [], today=TODAY)
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    book[LOG_SHEET]["E2"] = "typed over by the group"
    book.save(path)
    apply_returns(workspace, _returns(1), [], today=TODAY)
    saved, rebuilt = _saved_and_rebuilt(workspace)
    assert MOVED not in caplog.text
    assert saved == rebuilt and b"typed over" not in saved
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None


def _entry(at: str) -> LogEntry:
    return LogEntry("DA26-POL-01", "Owner", "updated", "A -> B", "police.docx", at)


def test_the_saved_log_is_kept_only_while_the_log_reads_in_its_order(
    workspace: Workspace,
) -> None:
    with open_registry(workspace) as registry:
        registry.commit_write({}, [_entry("2027-02-15T10:00:00")], [], log_sheet="first")
        assert registry.log_sheet() == "first"
        registry.commit_write({}, [_entry("2027-02-15T10:00:05")], [], log_sheet="later")
        assert registry.log_sheet() == "later"
        # A run in the same second reads back above the earlier run of that second...
        same = LogEntry(
            "DA26-POL-02", "Owner", "updated", "C -> D", "police.docx", "2027-02-15T10:00:05"
        )
        registry.commit_write({}, [same], [], log_sheet="same second")
        assert registry.log_sheet() == "same second"
        assert [e.ref for e in registry.log_entries()] == [
            "DA26-POL-02",
            "DA26-POL-01",
            "DA26-POL-01",
        ]
        registry.commit_write({}, [], [], log_sheet="no new lines")
        assert registry.log_sheet() == "no new lines"
        # ...but one stamped before older lines (the clock put back) sorts among them.
        registry.commit_write({}, [_entry("2027-02-15T09:00:00")], [], log_sheet="clock back")
        assert registry.log_sheet() is None


def _rows_from(xml: bytes, first: int) -> bytes:
    """A Log part's rows from row `first` down, as bytes."""
    return xml[xml.find(b'<row r="%d"' % first) : xml.find(b"</sheetData>")]


@pytest.mark.parametrize("shift", [1, 8, 95, 2870])
def test_moved_rows_match_the_general_renumbering_and_a_rebuild(shift: int) -> None:
    # Text holding a row number and a quote (as in a tag) and styles ending in a row's number
    # send rows the general way; the rest are renumbered by one replace each.
    styles = Styles.parse(None)
    for n in range(12):
        styles.look(sheets.Look(size=8 + n))
    awkward = ['12"', '<c r="A5"', '3" s="4"', 'he said "7"', "plain", "=1+1", ""]
    entries = [
        LogEntry(
            f"DA26-POL-{n:02d}", "Owner", "updated", awkward[n % 7], f'{n + 2}" x' * (n % 2), ""
        )
        for n in range(120)
    ]
    rows = _rows_from(build_log(styles, entries).to_xml(), 2)
    pieces = rows.split(b"</row>")[:-1]
    counts = [row.count(b'%d"' % number) for number, row in enumerate(pieces, start=2)]
    assert len(counts) == 120 and 0 < counts.count(7) < 100
    moved = log_sheet._moved_down(rows, shift)
    assert moved == log_sheet._renumbered(rows, shift) != rows
    new = [LogEntry("N", "", "added", f"new {n}", "", "") for n in range(shift)]
    assert moved == _rows_from(build_log(styles, [*new, *entries]).to_xml(), shift + 2)


def _run(workspace: Workspace, run: int, caplog: pytest.LogCaptureFixture) -> bool:
    """One more update; whether it moved the last Log's rows."""
    caplog.clear()
    apply_returns(workspace, _returns(run), [], today=TODAY)
    saved, rebuilt = _saved_and_rebuilt(workspace)
    assert saved == rebuilt
    return MOVED in caplog.text


def test_a_log_record_of_the_older_kind_is_rebuilt_once(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.tracker.log_sheet")
    apply_returns(workspace, _returns(0), [], today=TODAY)
    book = Book.open(workspace.tracker_path())
    entry = book.sheet(LOG_SHEET)
    styles_part = book.part_of_type("styles")
    assert entry is not None and styles_part is not None
    # What an older qap kept: a digest of the inflated part, no kind.
    older = json.dumps(
        [log_sheet.digest(book.read(entry.part)), log_sheet.digest(book.read(styles_part)), 4]
    )
    with open_registry(workspace) as registry:
        with registry.conn:
            registry.conn.execute("UPDATE meta SET value = ? WHERE key = 'log_sheet'", (older,))
        assert log_sheet.LogSheet.from_json(older) is None
    assert not _run(workspace, 1, caplog)
    with open_registry(workspace) as registry:
        kept = registry.log_sheet()
    assert kept is not None and log_sheet.LogSheet.from_json(kept) is not None
    assert _run(workspace, 2, caplog)


def test_a_log_part_changed_in_the_zip_is_rebuilt_not_moved(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.tracker.log_sheet")
    apply_returns(workspace, _returns(0), [], today=TODAY)
    path = workspace.tracker_path()
    with zipfile.ZipFile(path) as package:
        parts = [(info, package.read(info)) for info in package.infolist()]
    log_part = Book.open(path).sheet(LOG_SHEET)
    assert log_part is not None
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in parts:
            if info.filename == log_part.part:
                # Same length, one letter changed: only the stored part's digest tells.
                assert b"police" in data
                data = data.replace(b"police", b"Police", 1)
            package.writestr(info, data)
    assert not _run(workspace, 1, caplog)
    assert b"Police" not in _saved_and_rebuilt(workspace)[0]
    assert _run(workspace, 2, caplog)


def test_an_older_log_gets_its_run_column_and_its_lines_sort_below_later_runs(
    workspace: Workspace,
) -> None:
    with open_registry(workspace) as registry:
        registry.conn.executescript(
            "DROP TABLE log; CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "at TEXT NOT NULL, ref TEXT NOT NULL, col TEXT NOT NULL, change TEXT NOT NULL, "
            "detail TEXT NOT NULL, source TEXT NOT NULL);"
            "INSERT INTO log (at, ref, col, change, detail, source) VALUES "
            "('2027-02-15T10:00:05', 'DA26-POL-01', 'Owner', 'updated', 'A -> B', 'p.docx');"
        )
    with open_registry(workspace) as registry:
        later = LogEntry(
            "DA26-POL-02", "Owner", "updated", "C -> D", "p.docx", "2027-02-15T10:00:05"
        )
        registry.commit_write({}, [later], [], log_sheet="kept")
        assert [e.ref for e in registry.log_entries()] == ["DA26-POL-02", "DA26-POL-01"]
        assert registry.log_sheet() == "kept"
