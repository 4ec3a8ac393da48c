"""Refs and rows from returns: stable, never reused, Section 11 marked, updates checked."""

from __future__ import annotations

import pytest

from pipeline.definitions import Catalogue, load_catalogue
from pipeline.model import RawUpdate
from pipeline.tracker.columns import agency_codes
from pipeline.tracker.items import action_rows, lead_keys, update_rows
from pipeline.tracker.records import SheetRow
from pipeline.tracker.registry import open_registry
from pipeline.workspace import Workspace
from tests.tracker_helpers import stored_return, stored_update


@pytest.fixture
def catalogue(workspace: Workspace) -> Catalogue:
    return load_catalogue(workspace.audits_dir, workspace.partnership())


def test_agency_codes_are_short_and_unique(workspace: Workspace) -> None:
    codes = agency_codes(workspace.partnership())
    assert codes["police"] == "POL"
    assert codes["community-health"] == "CH"
    assert codes["youth-justice"] == "YJ"
    assert len(set(codes.values())) == len(codes)


def test_refs_are_stable_across_resubmission_and_never_reused(
    workspace: Workspace, catalogue: Catalogue
) -> None:
    partnership = workspace.partnership()
    first = stored_return("police", [("Train staff", "", None), ("Audit referrals", "", None)])
    with open_registry(workspace) as registry:
        refs = [r.ref for r in action_rows([first], catalogue, partnership, registry)]
        assert refs == ["DA26-POL-01", "DA26-POL-02"]
        # Reordered, one reworded, one new: the reworded one keeps its place's ref.
        second = stored_return(
            "police",
            [("Audit referrals", "", None), ("Train all staff", "", None), ("New idea", "", None)],
        )
        rows = {
            r.values["text"]: r.ref for r in action_rows([second], catalogue, partnership, registry)
        }
        assert rows == {
            "Audit referrals": "DA26-POL-02",
            "Train all staff": "DA26-POL-01",
            "New idea": "DA26-POL-03",
        }
        # Dropped and added again later: a new action never takes an old number.
        third = stored_return("police", [("Something else", "", None)])
        assert [r.ref for r in action_rows([third], catalogue, partnership, registry)] == [
            "DA26-POL-04"
        ]


def test_section_11_and_duplicate_texts(workspace: Workspace, catalogue: Catalogue) -> None:
    s11 = stored_return("csc", [("Same", "", None), ("same ", "", None)], audit="section11-2026")
    with open_registry(workspace) as registry:
        rows = action_rows([s11], catalogue, workspace.partnership(), registry)
    assert [r.ref for r in rows] == ["S1126-CSC-01", "S1126-CSC-02"]
    assert {r.values["source"] for r in rows} == {"Section 11"}
    assert rows[0].values["lead_agency"] == "Northshire County Council Children's Social Care"


def test_updates_apply_only_to_the_agency_own_refs() -> None:
    leads: dict[str, str | None] = {"DA26-POL-01": "police", "DA26-CH-01": "community-health"}
    update = stored_update(
        "police",
        [
            RawUpdate("da26-pol-01", "done", "p1", "", "1 June 2027"),
            RawUpdate("DA26-CH-01", "Completed"),
            RawUpdate("DA26-POL-01", "Finished-ish", "p2"),
        ],
    )
    rows, notices = update_rows([update], leads)
    assert len(rows) == 1
    assert dict(rows[0].values) == {
        "status": "Completed",
        "progress": "p2",
        "revised_target": "2027-06-01",
    }
    assert [(n.ref, n.change) for n in notices] == [
        ("DA26-CH-01", "update not applied"),
        ("DA26-POL-01", "status not applied"),
    ]


def test_lead_keys_read_aliases(workspace: Workspace) -> None:
    rows = [
        SheetRow(2, {"ref": "x-1", "lead_agency": "Constabulary"}),
        SheetRow(3, {"ref": "X-2", "lead_agency": "Someone"}),
    ]
    assert lead_keys(rows, [], workspace.partnership()) == {"X-1": "police", "X-2": None}
