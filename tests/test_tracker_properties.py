"""Property tests of the tracker merge on real workbooks: random hand edits between random intakes.

However the group edits the workbook and however returns arrive, no hand edit is lost, no row is
duplicated, and every action keeps the ref it was first given.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.model import StoredReturn
from pipeline.tracker.service import apply_returns
from pipeline.workspace import Workspace, init_workspace
from tests.tracker_helpers import TODAY, stored_return

AUDIT = "domestic-abuse-2026"
AGENCIES = ("police", "csc", "housing")
ACTIONS = (
    "Refresh DASH training for response officers",
    "Audit MARAC referrals monthly",
    "Record the child's voice at every contact",
    "Dip sample strategy discussions",
)
# Columns the group fills in or overrides by hand.
HAND_COLUMNS = ("Status", "Latest progress update", "Evidence of impact", "Owner")
STATUSES = ("Not started", "In progress", "Completed", "Verified and closed")

hand_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() == s and s[0] not in "=+-@#'")

intake = st.tuples(
    st.just("intake"),
    st.sampled_from(AGENCIES),
    st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=4, unique=True),
)
edit = st.tuples(
    st.just("edit"),
    st.integers(min_value=0, max_value=50),
    st.sampled_from(HAND_COLUMNS),
    hand_text,
)
status_edit = st.tuples(
    st.just("edit"),
    st.integers(min_value=0, max_value=50),
    st.just("Status"),
    st.sampled_from(STATUSES),
)
hand_row = st.tuples(st.just("add"), hand_text.map(lambda s: f"Partnership: {s}"))
steps = st.lists(st.one_of(intake, edit, status_edit, hand_row), min_size=2, max_size=7)


@dataclass
class Model:
    """What the tracker must hold: the current returns, the hand edits, the refs given."""

    current: dict[str, StoredReturn] = field(default_factory=dict)
    edits: dict[tuple[str, str], str] = field(default_factory=dict)
    refs: dict[tuple[str, str], str] = field(default_factory=dict)
    hand_rows: list[str] = field(default_factory=list)


def _sheet_rows(path: Path) -> tuple[list[str], list[dict[str, object]]]:
    sheet = openpyxl.load_workbook(path)["Tracker"]
    headers = [str(c.value) for c in sheet[1]]
    rows = [
        dict(zip(headers, r, strict=False))
        for r in sheet.iter_rows(min_row=2, values_only=True)
        if any(v is not None for v in r)
    ]
    return headers, rows


def _hand_edit(path: Path, index: int, column: str, value: str) -> str | None:
    """Type `value` into one row's cell, as the group would in Excel; the row's ref, if any."""
    book = openpyxl.load_workbook(path)
    sheet = book["Tracker"]
    if sheet.max_row < 2:
        return None
    headers = {str(c.value): c.column for c in sheet[1]}
    row = 2 + index % (sheet.max_row - 1)
    ref = sheet.cell(row, headers["Ref"]).value
    if not ref:
        return None
    sheet.cell(row, headers[column], value)
    book.save(path)
    return str(ref)


def _add_row(path: Path, text: str) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["Tracker"]
    headers = {str(c.value): c.column for c in sheet[1]}
    row = sheet.max_row + 1
    sheet.cell(row, headers["Recommendation or action"], text)
    sheet.cell(row, headers["Audit"], AUDIT)
    sheet.cell(row, headers["Source"], "Partnership recommendation")
    book.save(path)


def _check(workspace: Workspace, model: Model) -> None:
    _, rows = _sheet_rows(workspace.tracker_path())
    # Rows the group has just typed get their ref on qap's next run.
    given = [str(r["Ref"]) for r in rows if r["Ref"] is not None]
    assert [ref for ref, n in Counter(given).items() if n > 1] == []
    by_ref = {str(r["Ref"]): r for r in rows}
    actions = [r for r in rows if r["Source"] == "Agency action"]
    assert all(r["Ref"] for r in actions)
    keys = Counter((str(r["Lead agency"]), str(r["Recommendation or action"])) for r in actions)
    assert [key for key, n in keys.items() if n > 1] == []
    for r in actions:
        key = (str(r["Lead agency"]), str(r["Recommendation or action"]))
        assert model.refs.setdefault(key, str(r["Ref"])) == str(r["Ref"]), key
    held = Counter(str(r["Recommendation or action"]) for r in actions)
    wanted = Counter(a.action for s in model.current.values() for a in s.data.actions)
    assert {text: n for text, n in wanted.items() if held[text] < n} == {}
    typed = Counter(str(r["Recommendation or action"]) for r in rows if r not in actions)
    assert {text: typed[text] for text in model.hand_rows} == Counter(model.hand_rows)
    for (ref, column), value in model.edits.items():
        assert ref in by_ref, f"row {ref} edited by hand is gone"
        assert by_ref[ref][column] == value, (ref, column)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_hand_edits_and_intakes_in_any_order(plan: list[tuple[object, ...]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="qap-tracker-prop-"))
    try:
        init_workspace(folder / "ws")
        workspace = Workspace((folder / "ws").resolve())
        model = Model()
        day = TODAY
        for step in [("intake", "police", list(ACTIONS[:2])), *plan]:
            path = workspace.tracker_path()
            if step[0] == "intake":
                _, agency, actions = step
                assert isinstance(agency, str) and isinstance(actions, list)
                model.current[agency] = stored_return(
                    agency, [(a, "Lead officer", "2027-06-30") for a in actions], audit=AUDIT
                )
                day += dt.timedelta(days=1)
                apply_returns(workspace, list(model.current.values()), [], today=day)
            elif step[0] == "edit":
                _, index, column, value = step
                assert isinstance(index, int) and isinstance(column, str)
                ref = _hand_edit(path, index, column, str(value))
                if ref is not None:
                    model.edits[(ref, column)] = str(value)
            else:
                _add_row(path, str(step[1]))
                model.hand_rows.append(str(step[1]))
            _check(workspace, model)
        apply_returns(workspace, list(model.current.values()), [], today=day + dt.timedelta(days=1))
        _check(workspace, model)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
