"""qap's per-row memory: read per cell as before, moved over from per-cell state, kept by a deletion."""

from __future__ import annotations

import json
import marshal

import openpyxl
import pytest

from pipeline.tracker.book import Book
from pipeline.tracker.columns import TRACKER_SHEET
from pipeline.tracker.records import CellState
from pipeline.tracker.registry import open_registry
from pipeline.tracker.registry_schema import BY_REF
from pipeline.tracker.service import apply_returns
from pipeline.tracker.sheet_read import TrackerSheet, read_sheet
from pipeline.tracker.state import ByCell, RowState, States, StoredRows, decode
from pipeline.workspace import Workspace
from tests.tracker_helpers import TODAY, police_and_health


def test_row_states_read_as_the_cell_states_they_came_from() -> None:
    cells = {
        ("A-1", "owner"): CellState("DI A", "DI A"),
        ("A-1", "status"): CellState(None, "Open"),
        ("B-2", "text"): CellState("Train staff", None),
    }
    states = States.of(cells)
    assert states.rows["A-1"] == RowState({"owner": "DI A"}, {"owner": "DI A", "status": "Open"})
    assert dict(states) == cells
    assert len(states) == 3 and ("B-2", "status") not in states
    assert States.of(states) is states


def test_texts_by_row_read_per_cell() -> None:
    texts = ByCell({"A-1": {"owner": "DI A", "status": "Open"}, "B-2": {}})
    assert dict(texts) == {("A-1", "owner"): "DI A", ("A-1", "status"): "Open"}
    assert texts[("A-1", "status")] == "Open" and len(texts) == 2


def test_per_cell_state_of_an_older_qap_is_moved_to_rows(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    with open_registry(workspace) as registry:
        before = dict(registry.state())
        # Put the memory back as an older qap kept it: one SQLite row per cell.
        with registry.conn:
            registry.conn.executemany(
                "INSERT INTO cells (ref, col, offered, seen) VALUES (?, ?, ?, ?)",
                [(ref, col, *cell) for (ref, col), cell in before.items()],
            )
            registry.conn.execute("DELETE FROM row_state")
    with open_registry(workspace) as registry:
        assert dict(registry.state()) == before
        assert registry.conn.execute("SELECT COUNT(*) FROM cells").fetchone() == (0,)
    again = apply_returns(workspace, police_and_health(), [], today=TODAY)
    assert not again.written and again.added == 0


def test_row_tables_of_an_older_qap_are_kept_in_ref_order(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    with open_registry(workspace) as registry:
        before = dict(registry.state())
        settled = registry.settled()
        assert before and settled
        # Put the tables back as an older qap made them: rows in the order written, by rowid.
        for table, columns in BY_REF.items():
            registry.conn.executescript(
                f"""
                BEGIN;
                CREATE TABLE old ({columns});
                INSERT INTO old SELECT * FROM {table} ORDER BY ref DESC;
                DROP TABLE {table};
                ALTER TABLE old RENAME TO {table};
                COMMIT;
                """
            )
    with open_registry(workspace) as registry:
        for table in BY_REF:
            query = "SELECT sql FROM sqlite_schema WHERE name = ?"
            (sql,) = registry.conn.execute(query, (table,)).fetchone()
            assert "WITHOUT ROWID" in sql
        assert dict(registry.state()) == before
        assert registry.settled() == settled
    again = apply_returns(workspace, police_and_health(), [], today=TODAY)
    assert not again.written and again.added == 0


def test_a_deleted_row_stays_deleted_on_later_runs(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    book["Tracker"].delete_rows(2)
    book.save(path)
    for _ in range(2):
        result = apply_returns(workspace, police_and_health(), [], today=TODAY)
        assert result.added == 0
    refs = [c.value for c in openpyxl.load_workbook(path)["Tracker"]["A"]]
    assert "DA26-POL-01" not in refs


def _read(workspace: Workspace, known: bool) -> TrackerSheet:
    book = Book.open(workspace.tracker_path())
    entry = book.sheet(TRACKER_SHEET)
    assert entry is not None
    with open_registry(workspace) as registry:
        return read_sheet(book, entry.part, registry.row_reads() if known else None)


def test_rows_qap_wrote_are_reused_as_they_would_read(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    reused, read = _read(workspace, True), _read(workspace, False)
    # Every row was written by qap, so none needs reading from its cells.
    assert reused.read_now == {} and len(reused.digests) == 4
    assert reused.rows == read.rows and reused.next_row == read.next_row


def test_a_row_saved_by_another_program_is_read_again(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    book["Tracker"]["G2"] = "DI Someone Else"
    book.save(path)
    reused, read = _read(workspace, True), _read(workspace, False)
    # openpyxl's save moves text into shared strings: every row reads afresh, and reads the same.
    assert len(reused.read_now) == 3
    assert reused.rows == read.rows
    assert "DI Someone Else" in reused.rows[0].values.values()


def test_row_memory_is_read_only_for_the_refs_asked_for(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    with open_registry(workspace) as registry:
        stored = {
            ref: RowState(decode(offered), decode(seen))
            for ref, offered, seen in registry.conn.execute(
                "SELECT ref, offered, seen FROM row_state"
            )
        }
        rows = registry.state().rows
        assert isinstance(rows, StoredRows) and len(stored) > 2
        first = sorted(stored)[0]
        assert rows.get(first) == stored[first] and rows.get("NO-SUCH-1") is None
        assert "NO-SUCH-1" not in rows and first in rows
        assert set(rows.decoded) == {first, "NO-SUCH-1"}
        # Asked for the whole mapping, it is every row stored, read lazily or not.
        assert dict(rows) == stored and len(rows) == len(stored)
        replaced = {first: RowState({"owner": "x"}, {}), "NEW-1": RowState({}, {"status": "y"})}
        rows.update(replaced)
        assert rows[first] == replaced[first] and rows["NEW-1"] == replaced["NEW-1"]
        assert set(rows) == set(stored) | {"NEW-1"}


def test_row_memory_stored_as_json_by_an_older_qap_still_loads(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    with open_registry(workspace) as registry:
        stored = registry.conn.execute("SELECT ref, offered, seen FROM row_state").fetchall()
        assert stored and all(isinstance(offered, bytes) for _, offered, _ in stored)
        ref, offered, seen = stored[0]
        registry.conn.execute(
            "UPDATE row_state SET offered = ?, seen = ? WHERE ref = ?",
            (json.dumps(decode(offered)), json.dumps(decode(seen)), ref),
        )
        registry.conn.commit()
        row = registry.state().rows.get(ref)
        assert row == RowState(decode(offered), decode(seen)) and row.offered


def test_unreadable_row_memory_reads_as_none() -> None:
    assert decode(b"\x00not marshal") is None
    assert decode(b"") is None
    assert decode("{not json") is None
    assert decode(marshal.dumps(["a", "list"])) is None
    assert decode(marshal.dumps({"owner": "DI A"})) == {"owner": "DI A"}


def test_a_damaged_row_memory_leaves_the_row_to_the_group_and_the_update_runs(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    sheet = book[TRACKER_SHEET]
    owner = next(cell.column_letter for cell in sheet[1] if cell.value == "Owner")
    sheet[f"{owner}2"] = "Owner typed at the meeting"
    book.save(path)
    with open_registry(workspace) as registry:
        registry.conn.execute("UPDATE row_state SET offered = ?, seen = ?", (b"\x07", b"junk"))
        registry.conn.commit()
    result = apply_returns(workspace, police_and_health(), [], today=TODAY)
    assert result.written or "up to date" in result.message
    sheet = openpyxl.load_workbook(path)[TRACKER_SHEET]
    assert sheet[f"{owner}2"].value == "Owner typed at the meeting"
    damaged = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(damaged) == 1 and "Owner typed" not in damaged[0]
