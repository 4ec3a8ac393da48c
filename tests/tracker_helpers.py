"""Helpers for the tracker tests: returns and progress updates as the ledger would hand them over."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from pipeline.model import (
    UPDATE_FORM,
    Action,
    AuditReturn,
    Identification,
    RawUpdate,
    StoredReturn,
)
from pipeline.workspace import Workspace

TODAY = dt.date(2027, 2, 15)
_ids = iter(range(1, 10_000))


def stored_return(
    agency: str,
    actions: list[tuple[str, str, str | None]],
    *,
    audit: str = "domestic-abuse-2026",
    received: dt.date = dt.date(2027, 1, 20),
    file_name: str | None = None,
) -> StoredReturn:
    """A current return with actions given as (action, owner, target ISO date or None)."""
    number = next(_ids)
    data = AuditReturn(
        audit_id=audit,
        agency_key=agency,
        identification=Identification(audit, agency, "identity"),
        file_name=file_name or f"{agency}-{audit}-{number}.docx",
        style="form",
        actions=tuple(Action(a, owner=o, target_date=t, target_raw=t or "") for a, o, t in actions),
    )
    when = dt.datetime.combine(received, dt.time(9, 30))
    return StoredReturn(number, f"{number:064x}", when, True, data)


def stored_update(
    agency: str, updates: list[RawUpdate], *, received: dt.date = dt.date(2027, 2, 1)
) -> StoredReturn:
    """A progress-update return from one agency."""
    number = next(_ids)
    data = AuditReturn(
        audit_id="tracker-updates",
        agency_key=agency,
        identification=Identification("tracker-updates", agency, "identity"),
        file_name=f"{agency}-updates-{number}.xlsx",
        style="form",
        updates=tuple(updates),
        kind=UPDATE_FORM,
    )
    when = dt.datetime.combine(received, dt.time(10, 0))
    return StoredReturn(number, f"{number:064x}", when, True, data)


def sheet_xml(path: Path, sheet: int = 1) -> str:
    """The raw XML of one worksheet part inside an .xlsx."""
    with zipfile.ZipFile(path) as package:
        return package.read(f"xl/worksheets/sheet{sheet}.xml").decode()


def police_and_health() -> list[StoredReturn]:
    """Two agencies' returns to the domestic abuse audit, with three actions between them."""
    return [
        stored_return(
            "police",
            [
                ("Refresh DASH training for response officers", "DI Example", "2027-06-30"),
                ("Audit MARAC referrals monthly", "DS Sample", "2027-03-01"),
            ],
        ),
        stored_return(
            "community-health",
            [("Record the child's voice at every contact", "Named Nurse", "2027-01-31")],
        ),
    ]


def record_in_ledger(workspace: Workspace, stored: StoredReturn) -> None:
    """Put a constructed return in the workspace's ledger as if intake had accepted its file."""
    from pipeline.ledger import ACCEPTED, open_ledger
    from pipeline.ledger_rows import NewFile

    token = f"{stored.received_at:%Y%m%dT%H%M%S}-{stored.return_id}"
    with open_ledger(workspace) as ledger:
        new = NewFile(
            token,
            stored.sha256,
            stored.data.file_name,
            stored.received_at,
            10,
            ACCEPTED,
            f"archive/{token}.docx",
        )
        ledger.record(new, stored.data)


def corrected(stored: StoredReturn, data: AuditReturn, *, days: int = 7) -> StoredReturn:
    """An agency's correction as the ledger records it: a new return, its own id and hash,
    received `days` later (the ledger never changes a return it has stored)."""
    number = next(_ids)
    when = stored.received_at + dt.timedelta(days=days)
    return StoredReturn(number, f"{number:064x}", when, True, data)
