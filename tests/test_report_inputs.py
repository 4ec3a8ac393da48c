"""Tests for pipeline.report.inputs: one read of ledger and tracker gives each draft what it read alone."""

from __future__ import annotations

import pytest

from pipeline.errors import UnknownAuditError
from pipeline.ledger import open_ledger
from pipeline.report import load_inputs
from pipeline.tracker import read_tracker_items, update_tracker
from pipeline.workspace import Workspace
from tests.report_helpers import sample, synthetic_returns
from tests.tracker_helpers import record_in_ledger

AUDITS = ("teen-pregnancy-2025", "teen-pregnancy-2026", "fathers-2026")


def _workspace_with_returns(workspace: Workspace) -> None:
    _, catalogue = sample()
    for number, audit_id in enumerate(AUDITS):
        audit = catalogue.get(audit_id)
        for stored in synthetic_returns(audit, first_id=100 * number, seed=number):
            record_in_ledger(workspace, stored)


def test_each_audit_gets_what_it_would_read_alone(workspace: Workspace) -> None:
    _workspace_with_returns(workspace)
    update_tracker(workspace)
    inputs = load_inputs(workspace)
    with open_ledger(workspace) as ledger:
        for audit_id in (*AUDITS, "section11-2026"):
            alone = ledger.current_returns(audit_id)
            assert inputs.returns_for(audit_id) == alone
            assert inputs.items_for(audit_id) == read_tracker_items(workspace, audit_id)
    assert {i.audit_id for i in inputs.tracker or ()} == set(AUDITS)
    assert all(inputs.items_for(a) for a in AUDITS)


def test_an_unreadable_tracker_gives_no_items(workspace: Workspace) -> None:
    _workspace_with_returns(workspace)
    workspace.tracker_path().write_bytes(b"not a workbook")
    inputs = load_inputs(workspace)
    assert inputs.tracker is None
    assert inputs.items_for("fathers-2026") is None
    assert len(inputs.returns_for("fathers-2026")) == 8


def test_an_unknown_audit_is_refused_before_anything_is_read(workspace: Workspace) -> None:
    with pytest.raises(UnknownAuditError, match="There is no audit 'nope'"):
        load_inputs(workspace, ["fathers-2026", "nope"])
    assert not (workspace.private / "tracker.sqlite").exists()
