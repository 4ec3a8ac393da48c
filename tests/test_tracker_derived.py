"""The rows derived from a return, remembered per (audit, agency): reused only where deriving
afresh would give the same, and a tracker written with them byte for byte as without."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.definitions import load_catalogue
from pipeline.model import StoredReturn
from pipeline.tracker.derived import DerivedMemo
from pipeline.tracker.items import action_rows
from pipeline.tracker.merge import offer_digest
from pipeline.tracker.owner_memo import SCHEMA as OWNER_SCHEMA
from pipeline.tracker.records import QapRow
from pipeline.tracker.registry import open_registry
from pipeline.tracker.service import TrackerResult, apply_returns
from pipeline.workspace import Workspace, init_workspace
from tests.test_tracker_properties import ACTIONS, AGENCIES, AUDIT, _add_row, _hand_edit, hand_text
from tests.tracker_helpers import TODAY, corrected, police_and_health, stored_return

# Log lines and document properties carry the time of the run, which differs between two runs
# (the Log shows it to the minute: two runs either side of a minute's turn differ there too).
STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?|\d\d/\d\d/\d{4} \d\d:\d\d")


def _rows(workspace: Workspace, returns: list[StoredReturn]) -> list[QapRow]:
    partnership = workspace.partnership()
    catalogue = load_catalogue(workspace.audits_dir, partnership)
    with open_registry(workspace) as registry:
        return action_rows(returns, catalogue, partnership, registry)


def _remembered(workspace: Workspace) -> dict[str, str]:
    with open_registry(workspace) as registry:
        return dict(DerivedMemo(registry.conn).known)


def _forget_all(workspace: Workspace) -> None:
    with open_registry(workspace) as registry:
        DerivedMemo(registry.conn)
        registry.conn.execute(OWNER_SCHEMA)
        with registry.conn:
            registry.conn.execute("DELETE FROM derived_rows")
            # The pairs left settled too: the cleared copy reads and merges every row.
            registry.conn.execute("DELETE FROM owner_settled")


def _sort_rows(path: Path, reverse: bool) -> None:
    """The group sorts the Tracker's rows (by Ref, either way), as a filter's sort would."""
    book = openpyxl.load_workbook(path)
    sheet = book["Tracker"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    rows.sort(key=lambda values: str(values[0] or ""), reverse=reverse)
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(number, column, value)
    book.save(path)


def _delete_row(path: Path, index: int) -> None:
    """The group deletes one row of the Tracker."""
    book = openpyxl.load_workbook(path)
    sheet = book["Tracker"]
    if sheet.max_row >= 2:
        sheet.delete_rows(2 + index % (sheet.max_row - 1))
        book.save(path)


def test_a_lone_return_is_remembered_and_its_rows_reused_as_derived(workspace: Workspace) -> None:
    returns = police_and_health()
    first = _rows(workspace, returns)
    assert len(_remembered(workspace)) == 2
    again = _rows(workspace, returns)
    assert again == first
    # Each row carries the digest the merge would compute from its values.
    assert all(row.offer == offer_digest(row.values) for row in again)
    _forget_all(workspace)
    assert _rows(workspace, returns) == first


def test_a_correction_is_derived_afresh_and_keeps_the_refs_of_its_actions(
    workspace: Workspace,
) -> None:
    police, health = police_and_health()
    first = {row.values["text"]: row.ref for row in _rows(workspace, [police, health])}
    actions = (replace(police.data.actions[0], owner="DCI Other"), *police.data.actions[1:])
    fixed = corrected(police, replace(police.data, actions=actions))
    rows = _rows(workspace, [fixed, health])
    assert {row.values["text"]: row.ref for row in rows} == first
    assert {row.values["owner"] for row in rows if row.values["lead_agency"] != "NHS Example"} >= {
        "DCI Other"
    }
    assert str(fixed.return_id) in next(
        stamp for owner, stamp in _remembered(workspace).items() if "police" in owner
    )


def test_two_returns_for_one_audit_and_agency_are_always_derived_and_not_remembered(
    workspace: Workspace,
) -> None:
    police, health = police_and_health()
    _rows(workspace, [police, health])
    extra = stored_return("police", [("A second return's action", "DI Ray", None)])
    both = _rows(workspace, [police, health, extra])
    assert not any("police" in owner for owner in _remembered(workspace))
    assert "A second return's action" in {row.values["text"] for row in both}
    _forget_all(workspace)
    assert _rows(workspace, [police, health, extra]) == both


def test_the_memo_trusts_an_id_and_hash_to_name_one_returns_content(workspace: Workspace) -> None:
    """The ledger never changes a stored return; what a caller who did would get, shown here."""
    police, health = police_and_health()
    _rows(workspace, [police, health])
    reworded = (replace(police.data.actions[0], action="Reworded in place"),)
    same_id = replace(police, data=replace(police.data, actions=reworded + police.data.actions[1:]))
    # Same id, hash, file name and number of actions: the remembered rows are used.
    assert "Reworded in place" not in {
        r.values["text"] for r in _rows(workspace, [same_id, health])
    }
    # Any of those differing derives afresh.
    for changed in (
        replace(same_id, sha256="f" * 64),
        replace(same_id, data=replace(same_id.data, actions=reworded)),
        replace(same_id, data=replace(same_id.data, file_name="police-again.docx")),
    ):
        texts = {r.values["text"] for r in _rows(workspace, [changed, health])}
        assert "Reworded in place" in texts


def test_unreadable_memory_is_derived_afresh(workspace: Workspace) -> None:
    returns = police_and_health()
    first = _rows(workspace, returns)
    with sqlite3.connect(workspace.private / "tracker.sqlite") as conn:
        conn.execute("UPDATE derived_rows SET rows = x'00ff'")
    conn.close()
    assert _rows(workspace, returns) == first


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: STAMP.sub(b"T", package.read(name)) for name in package.namelist()}


def _refs(workspace: Workspace) -> list[tuple[object, ...]]:
    with open_registry(workspace) as registry:
        return registry.conn.execute(
            "SELECT ref, audit_id, agency_key, origin, match_key, position, return_id FROM refs "
            "ORDER BY rowid"
        ).fetchall()


def _summary(result: TrackerResult) -> tuple[object, ...]:
    changes = tuple(replace(entry, at="") for entry in result.changes)
    return (result.written, result.added, result.updated, result.conflicts, changes)


def _run_both(workspace: Workspace, returns: list[StoredReturn], day: dt.date) -> Workspace:
    """Run the update on two copies, one with the memo cleared: the same tracker results. The
    copy that kept the memo is returned, to go on with (both copies are moved alike)."""
    copies = []
    for name in ("kept", "cleared"):
        copy = Workspace(workspace.root.parent / f"{workspace.root.name}-{name}")
        shutil.copytree(workspace.root, copy.root)
        copies.append(copy)
    kept, cleared = copies
    _forget_all(cleared)
    with_memo = apply_returns(kept, returns, [], today=day)
    without = apply_returns(cleared, returns, [], today=day)
    assert _summary(with_memo) == _summary(without)
    assert _refs(kept) == _refs(cleared)
    assert _parts(kept.tracker_path()) == _parts(cleared.tracker_path())
    shutil.rmtree(cleared.root)
    shutil.rmtree(workspace.root)
    return kept


def _actions(texts: list[str], owner: str) -> list[tuple[str, str, str | None]]:
    return [(text, owner, "2027-06-30") for text in texts]


intake = st.tuples(
    st.just("intake"),
    st.sampled_from(AGENCIES),
    st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=4, unique=True),
    st.sampled_from(("Lead officer", "Another lead")),
)
# A second current return for the same audit and agency (the ledger's periods allow it).
second = st.tuples(
    st.just("second"),
    st.sampled_from(AGENCIES),
    st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True),
)
edit = st.tuples(
    st.just("edit"),
    st.integers(min_value=0, max_value=50),
    st.sampled_from(("Owner", "Target date", "Status")),
    hand_text,
)
later = st.tuples(st.just("later"), st.integers(min_value=1, max_value=200))
# The same returns again (nothing new: only the days move, if at all).
again = st.tuples(st.just("again"))
sort = st.tuples(st.just("sort"), st.booleans())
delete = st.tuples(st.just("delete"), st.integers(min_value=0, max_value=50))
steps = st.lists(
    st.one_of(
        intake, second, edit, later, again, sort, delete, st.tuples(st.just("add"), hand_text)
    ),
    min_size=2,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_remembered_rows_give_the_same_tracker_as_deriving_afresh(
    plan: list[tuple[object, ...]],
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="qap-tracker-derived-"))
    try:
        init_workspace(folder / "ws")
        workspace = Workspace((folder / "ws").resolve())
        current: dict[str, list[StoredReturn]] = {}
        day = TODAY
        for step in [("intake", "police", list(ACTIONS[:2]), "Lead officer"), *plan]:
            kind = step[0]
            if kind == "intake":
                agency, texts, owner = str(step[1]), list(step[2]), str(step[3])  # type: ignore[call-overload]
                new = stored_return(agency, _actions(texts, owner), audit=AUDIT)
                old = current.get(agency)
                # A correction supersedes whatever the agency sent before.
                current[agency] = [corrected(old[0], new.data) if old else new]
            elif kind == "second":
                agency, texts = str(step[1]), list(step[2])  # type: ignore[call-overload]
                current.setdefault(agency, []).append(
                    stored_return(agency, _actions(texts, "Second lead"), audit=AUDIT)
                )
            elif kind == "later":
                day += dt.timedelta(days=int(step[1]))  # type: ignore[call-overload]
            elif kind == "again":
                pass
            elif workspace.tracker_path().exists() and kind == "sort":
                _sort_rows(workspace.tracker_path(), bool(step[1]))
            elif workspace.tracker_path().exists() and kind == "delete":
                _delete_row(workspace.tracker_path(), int(step[1]))  # type: ignore[call-overload]
            elif workspace.tracker_path().exists() and kind == "edit":
                _hand_edit(workspace.tracker_path(), int(step[1]), str(step[2]), str(step[3]))  # type: ignore[call-overload]
            elif workspace.tracker_path().exists():
                _add_row(workspace.tracker_path(), f"Partnership: {step[1]}")
            returns = [stored for group in current.values() for stored in group]
            workspace = _run_both(workspace, returns, day)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_settled_pairs_are_skipped_and_give_the_same_tracker_as_merging_every_row(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    """Pairs whose return and rows are unchanged are not read or merged again (see owner_memo),
    across a RAG boundary too, and the tracker is byte for byte the one merging every row gives."""
    returns = [
        stored_return(agency, _actions(list(ACTIONS[:3]), "Lead officer"), audit=AUDIT)
        for agency in AGENCIES
    ]
    apply_returns(workspace, returns, [], today=TODAY)
    # A correction from one agency: the others' rows are skipped.
    returns[0] = corrected(
        returns[0],
        stored_return(AGENCIES[0], _actions(list(ACTIONS[1:4]), "Other"), audit=AUDIT).data,
    )
    for day in (TODAY, TODAY + dt.timedelta(days=250), TODAY + dt.timedelta(days=251)):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="pipeline.tracker.service"):
            workspace = _run_both(workspace, returns, day)
        if day == TODAY:
            assert "settled rows of" in caplog.text
