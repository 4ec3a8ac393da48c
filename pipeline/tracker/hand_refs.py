"""Refs for rows the group typed into the tracker without one, from the same sequences as qap's."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.config import Partnership
from pipeline.definitions import Catalogue
from pipeline.tracker.columns import agency_codes, find_agency
from pipeline.tracker.records import SheetRow
from pipeline.tracker.registry import ORIGIN_HAND, RefRecord, Registry

# A row typed by the group counts as an item once any of these holds something.
CONTENT_KEYS = ("text", "audit", "lead_agency", "owner", "theme", "source")
NO_AUDIT_PREFIX = "SCP"
NO_AGENCY_CODE = "REC"


def _hand_prefix(catalogue: Catalogue, audit_text: str) -> tuple[str, str]:
    wanted = " ".join(audit_text.split()).casefold()
    for audit in catalogue.audits:
        if wanted and wanted in (audit.id.casefold(), audit.title.casefold()):
            return audit.reference_prefix, audit.id
    return NO_AUDIT_PREFIX, ""


def assign_hand_refs(
    rows: Sequence[SheetRow],
    catalogue: Catalogue,
    partnership: Partnership,
    registry: Registry,
) -> dict[int, str]:
    """Refs for rows the group added without one, by sheet row number; typed refs are reserved."""
    # One pass over thousands of rows: nearly all have a ref, and only the others are looked at.
    typed: list[str] = []
    blank: list[SheetRow] = []
    for row in rows:
        ref = row.values.get("ref")
        if ref:
            typed.append(ref.upper())
        else:
            blank.append(row)
    registry.register_seen(typed)
    codes = agency_codes(partnership)
    assigned: dict[int, str] = {}
    for row in blank:
        if not any(row.get(k).strip() for k in CONTENT_KEYS):
            continue
        prefix, audit_id = _hand_prefix(catalogue, row.get("audit"))
        agency = find_agency(partnership, row.get("lead_agency"))
        code = codes.get(agency.key, NO_AGENCY_CODE) if agency else NO_AGENCY_CODE
        record = RefRecord("", audit_id, agency.key if agency else "", ORIGIN_HAND, "", -1, -1)
        assigned[row.row] = registry.allocate(prefix, code, record).ref
    registry.flush()
    return assigned
