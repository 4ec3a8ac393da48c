"""The pure merge: qap's values go only where nobody else has been; every change is logged."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

import pytest

from pipeline.tracker.columns import KEYS
from pipeline.tracker.merge import merge
from pipeline.tracker.records import CellState, CellWrite, QapRow, SheetRow
from pipeline.tracker.state import Settled, States

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


def _as_read(values: Mapping[str, str]) -> dict[str, str]:
    return {key: values.get(key, "") for key in KEYS}


def _digest(values: Mapping[str, str]) -> bytes:
    return hashlib.blake2b(repr(sorted(values.items())).encode(), digest_size=16).digest()


def _settled_run() -> tuple[list[SheetRow], list[QapRow], States, dict[str, Settled]]:
    """A first merge of three actions, and the rows, memory and settled rows it leaves."""
    qaps = [_qap(), _qap("DA26-POL-02", text="Audit referrals"), _qap("DA26-POL-03")]
    first = merge([], qaps, {}, today=TODAY)
    rows = [SheetRow(r.row, _as_read(r.values)) for r in first.rows]
    digests = {r.row: _digest(r.values) for r in rows}
    settled = {
        ref: Settled(digests[memo[0]], *memo[1:])
        for ref, memo in first.settle.items()
        if memo is not None
    }
    return rows, qaps, States(dict(first.states)), settled


@pytest.mark.parametrize(
    "change", ["none", "later-day", "past-target", "new-offer", "group-edit", "duplicate"]
)
def test_settled_rows_merge_exactly_as_a_full_merge_would(change: str) -> None:
    rows, qaps, state, settled = _settled_run()
    today = TODAY
    if change == "later-day":
        today = TODAY + dt.timedelta(days=3)
    elif change == "past-target":
        today = dt.date(2027, 7, 1)
    elif change == "new-offer":
        qaps[1] = _qap("DA26-POL-02", text="Audit referrals", owner="DCI Z")
    elif change == "group-edit":
        rows[2] = SheetRow(rows[2].row, {**rows[2].values, "status": "Completed"})
    elif change == "duplicate":
        rows.append(SheetRow(5, dict(rows[0].values)))
    digests = {r.row: _digest(r.values) for r in rows}
    full = merge(rows, qaps, state, today=today, next_row=6)
    quick = merge(rows, qaps, state, today=today, next_row=6, settled=settled, digests=digests)
    for field_name in ("writes", "log", "added", "updated", "conflicts", "gone", "states"):
        assert getattr(quick, field_name) == getattr(full, field_name), field_name
    assert [(r.row, dict(r.values)) for r in quick.rows] == [
        (r.row, dict(r.values)) for r in full.rows
    ]
    assert dict(quick.offered) == dict(full.offered)
    # Only rows whose inputs changed were merged again.
    merged_again = {
        "none": set(),
        "later-day": set(),
        "past-target": {"DA26-POL-01", "DA26-POL-02", "DA26-POL-03"},
        "new-offer": {"DA26-POL-02"},
        "group-edit": {"DA26-POL-03"},
        "duplicate": set(),
    }[change]
    assert set(quick.settle) == merged_again
