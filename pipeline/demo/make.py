"""Making the demo's files: each planned return filled in and saved in its agency's style."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.config import Partnership
from pipeline.definitions import AuditDefinition
from pipeline.demo import styles
from pipeline.demo.answers import demo_filled
from pipeline.demo.fill import fill_docx, fill_xlsx
from pipeline.demo.plan import EXCEL, HEADER_BLOCK, LEGACY, RETYPED, SCAN, WORD, Planned


def make_return(
    planned: Planned,
    audit: AuditDefinition,
    forms: dict[str, Path],
    target: Path,
    partnership: Partnership,
    today: dt.date,
) -> Path:
    """Write one planned file at `target`; `forms` holds the agency's issued forms by format."""
    filled = demo_filled(audit, planned.agency_key, today, missing=planned.missing)
    if planned.style == WORD:
        # Some people type dates into the date fields rather than pick them.
        fill_docx(forms["docx"], target, filled.by_tag(), typed_dates=planned.agency_key == "csc")
    elif planned.style == EXCEL:
        fill_xlsx(forms["xlsx"], target, audit, filled)
    elif planned.style == RETYPED:
        styles.retyped_docx(target, audit, planned.as_typed, filled)
    elif planned.style == LEGACY:
        styles.legacy_docx(target, audit, planned.as_typed, filled)
    elif planned.style == HEADER_BLOCK:
        styles.header_block_xlsx(target, audit, planned.as_typed, partnership.name, filled)
    elif planned.style == SCAN:
        styles.scanned_pdf(target, audit.title, planned.as_typed)
    else:
        raise ValueError(f"unknown demo style {planned.style!r}")
    return target
