"""Who returns what in the demo: audits, agencies, the style each return arrives in, and its file name.

Not every agency returns (so `qap status` has someone to chase), one return is incomplete, one is
sent again corrected a week later, last year's audit comes in late, and one file is a scan.
"""

from __future__ import annotations

from dataclasses import dataclass

DA = "domestic-abuse-2026"
S11 = "section11-2026"
TP25 = "teen-pregnancy-2025"
TP26 = "teen-pregnancy-2026"
AUDITS = (DA, S11, TP25, TP26)

WORD = "qap's Word form"
EXCEL = "qap's Excel form"
RETYPED = "a retyped Word table"
LEGACY = "a legacy form-field document"
HEADER_BLOCK = "a spreadsheet with a header block"
SCAN = "a scan that is not a return"


@dataclass(frozen=True)
class Planned:
    """One file an agency sends: for which audit, in which style, under which name."""

    audit_id: str
    agency_key: str
    style: str
    file_name: str
    # The agency's name as typed on a form qap did not issue.
    as_typed: str = ""
    missing: bool = False
    # 2: arrives a week later, after the first batch has been processed.
    batch: int = 1


PLAN: tuple[Planned, ...] = (
    Planned(DA, "police", WORD, "DA audit return - Northshire Police.docx"),
    Planned(DA, "community-health", EXCEL, "Community Health DA audit 2026.xlsx"),
    Planned(DA, "csc", WORD, "CSC domestic abuse audit.docx"),
    Planned(DA, "acute-hospital", WORD, "Acute Trust DA audit.docx", missing=True),
    Planned(DA, "acute-hospital", WORD, "Acute Trust DA audit - corrected.docx", batch=2),
    Planned(DA, "probation", RETYPED, "Probation DA return.docx", as_typed="Probation Service"),
    Planned(DA, "housing", EXCEL, "Housing - DA audit.xlsx", missing=True),
    Planned(
        DA, "ambulance", SCAN, "Ambulance DA audit (scanned).pdf", as_typed="Ambulance Service"
    ),
    Planned(S11, "police", LEGACY, "S11 self-assessment Police.docx", as_typed="Northshire Police"),
    Planned(S11, "community-health", WORD, "S11 2026 Community Health.docx"),
    Planned(S11, "acute-hospital", EXCEL, "S11 2026 NGH.xlsx"),
    Planned(S11, "csc", EXCEL, "Section 11 - CSC.xlsx"),
    Planned(S11, "education", WORD, "Section 11 Education Safeguarding.docx"),
    Planned(S11, "probation", EXCEL, "S11 return PDU.xlsx"),
    Planned(S11, "housing", WORD, "S11 Northshire Homes.docx"),
    Planned(TP25, "community-health", WORD, "TPP audit 2025 Community Health.docx"),
    Planned(TP25, "acute-hospital", HEADER_BLOCK, "Maternity TPP audit.xlsx", as_typed="Maternity"),
    Planned(TP25, "csc", EXCEL, "Teen pregnancy audit CSC.xlsx"),
    Planned(TP25, "housing", WORD, "TPP 2025 Housing.docx"),
    Planned(TP26, "community-health", EXCEL, "TPP repeat audit 0-19 Service.xlsx"),
    Planned(TP26, "csc", WORD, "TPP repeat audit CSC.docx"),
    Planned(TP26, "housing", WORD, "TPP repeat audit Housing.docx"),
)
