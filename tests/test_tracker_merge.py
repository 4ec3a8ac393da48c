"""The pure merge: qap's values go only where nobody else has been; every change is logged."""

from __future__ import annotations

import datetime as dt

from pipeline.tracker.merge import merge
from pipeline.tracker.records import CellState, CellWrite, QapRow, SheetRow

TODAY = dt.date(2027, 2, 15)


def _qap(ref: str = "DA26-POL-01", **values: str) -> QapRow:
    base = {
        "ref": ref,
        "text": "Train staff",
        "owner": "DI A",
        "target": "2027-06-30",
        "status": "Not started",
    }
    base.update(values)
    return QapRow(ref, base, {k: "police.docx" for k in base})


def _state(row: dict[str, str], offered: dict[str, str]) -> dict[tuple[str, str], CellState]:
    ref = row["ref"]
    keys = set(row) | set(offered)
    return {(ref, k): CellState(offered.get(k), row.get(k, "")) for k in keys}


def _first_write() -> dict[str, str]:
    result = merge([], [_qap()], {}, today=TODAY)
    return dict(result.rows[0].values)


def test_new_row_is_appended_with_status_rag_and_dates() -> None:
    result = merge(
        [SheetRow(2, {"ref": "X-1", "text": "hand"})], [_qap()], {}, today=TODAY, next_row=3
    )
    assert result.added == 1 and result.new_rows == (3,)
    values = result.rows[-1].values
    assert values["status"] == "Not started"
    assert values["rag"] == "Green"
    assert values["last_updated"] == "2027-02-15"
    assert CellWrite(3, "text", "Train staff") in result.writes
    assert [e.change for e in result.log if e.ref == "DA26-POL-01"] == ["added"]


def test_unchanged_offer_leaves_the_group_edit_alone() -> None:
    written = _first_write()
    state = _state(written, {k: v for k, v in _qap().values.items()})
    edited = {**written, "owner": "DCI B", "status": "In progress"}
    result = merge([SheetRow(2, edited)], [_qap()], state, today=TODAY)
    assert result.conflicts == 0
    assert result.rows[0].values["owner"] == "DCI B"
    assert result.rows[0].values["status"] == "In progress"
    assert not [w for w in result.writes if w.key in ("owner", "status")]
    assert [e.change for e in result.log] == ["edited by the group"]
    assert result.log[0].detail == "Owner, Status"


def test_new_offer_goes_where_the_cell_still_holds_qap_value() -> None:
    written = _first_write()
    state = _state(written, dict(_qap().values))
    result = merge([SheetRow(2, written)], [_qap(owner="DI C")], state, today=TODAY)
    assert CellWrite(2, "owner", "DI C") in result.writes
    assert result.updated == 1
    entry = next(e for e in result.log if e.column == "Owner")
    assert (entry.change, entry.detail, entry.source) == ("updated", "DI A -> DI C", "police.docx")


def test_conflict_keeps_the_group_value_and_remembers_the_offer() -> None:
    written = _first_write()
    state = _state(written, dict(_qap().values))
    edited = {**written, "owner": "DCI B"}
    result = merge([SheetRow(2, edited)], [_qap(owner="DI C")], state, today=TODAY)
    assert result.conflicts == 1
    assert result.rows[0].values["owner"] == "DCI B"
    assert result.offered[("DA26-POL-01", "owner")] == "DI C"
    conflict = next(e for e in result.log if e.change == "conflict")
    assert "'DCI B'" in conflict.detail and "'DI C'" in conflict.detail


def test_completion_dates_the_closure_and_reopening_clears_it() -> None:
    written = _first_write()
    state = _state(written, dict(_qap().values))
    done = merge([SheetRow(2, written)], [_qap(status="Completed")], state, today=TODAY)
    closed = dict(done.rows[0].values)
    assert closed["closed"] == "2027-02-15" and closed["rag"] == "Green"
    state = _state(
        closed, dict(done.offered.items()) and {k[1]: v for k, v in done.offered.items()}
    )
    reopened = {**closed, "status": "In progress"}
    later = merge([SheetRow(2, reopened)], [_qap(status="Completed")], state, today=TODAY)
    assert later.rows[0].values["closed"] == ""
    assert any(e.change == "cleared" for e in later.log)


def test_rag_is_recalculated_as_days_pass() -> None:
    written = _first_write()
    state = _state(written, dict(_qap().values))
    result = merge([SheetRow(2, written)], [_qap()], state, today=dt.date(2027, 7, 1))
    assert result.rows[0].values["rag"] == "Red"
    entry = next(e for e in result.log if e.column == "RAG")
    assert entry.detail == "Green -> Red: past its target date and not completed"
    assert result.rows[0].values["last_updated"] == "2027-02-15"  # time passing is not news


def test_row_deleted_by_the_group_is_logged_once_and_not_put_back() -> None:
    written = _first_write()
    state = _state(written, dict(_qap().values))
    result = merge([], [_qap()], state, today=TODAY)
    assert result.added == 0 and result.gone == ("DA26-POL-01",)
    again = merge([], [_qap()], state, today=TODAY, gone_noted=frozenset({"DA26-POL-01"}))
    assert again.log == () and again.gone == ()


def test_hand_row_gets_its_ref_status_and_date_raised() -> None:
    row = SheetRow(7, {"text": "Partnership to review thresholds", "ref": ""})
    result = merge([row], [], {}, today=TODAY, assigned={7: "DA26-REC-01"})
    values = result.rows[0].values
    assert values["ref"] == "DA26-REC-01"
    assert values["status"] == "Not started" and values["raised"] == "2027-02-15"
    assert CellWrite(7, "ref", "DA26-REC-01") in result.writes


def test_duplicate_ref_is_left_alone_and_logged() -> None:
    rows = [SheetRow(2, {"ref": "A-1", "status": "Completed"}), SheetRow(3, {"ref": "A-1"})]
    result = merge(rows, [], {}, today=TODAY)
    assert not [w for w in result.writes if w.row == 3]
    assert any(e.change == "duplicate" and "row 3" in e.detail for e in result.log)
