"""Refs for rows the group typed without one: from the audit's and agency's sequences, typed refs skipped."""

from __future__ import annotations

from pipeline.definitions import load_catalogue
from pipeline.tracker.hand_refs import assign_hand_refs
from pipeline.tracker.records import SheetRow
from pipeline.tracker.registry import open_registry
from pipeline.workspace import Workspace


def test_hand_rows_get_refs_that_skip_typed_ones(workspace: Workspace) -> None:
    catalogue = load_catalogue(workspace.audits_dir, workspace.partnership())
    rows = [
        SheetRow(2, {"ref": "DA26-REC-01", "text": "typed by hand with a ref"}),
        SheetRow(
            3,
            {
                "ref": "",
                "text": "Review thresholds",
                "audit": "Domestic abuse where a child is present",
            },
        ),
        SheetRow(4, {"ref": "", "text": "Police to brief", "lead_agency": "PPU"}),
        SheetRow(5, {"ref": "", "text": ""}),
    ]
    with open_registry(workspace) as registry:
        assigned = assign_hand_refs(rows, catalogue, workspace.partnership(), registry)
    assert assigned == {3: "DA26-REC-02", 4: "SCP-POL-01"}
