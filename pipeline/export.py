"""Export an audit's current answers, one row per answer, as CSV (for Excel) or JSON."""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import asdict, dataclass
from typing import TextIO

from pipeline.definitions import load_catalogue
from pipeline.ledger import open_ledger
from pipeline.model import Answer
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

FORMATS = ("csv", "json")
# Spreadsheet programs run a cell starting with these as a formula (file-hazards.md section 3).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


@dataclass(frozen=True)
class ExportRow:
    """One answer of one agency (and case, for per-case questions)."""

    agency: str
    agency_name: str
    case: str
    case_ref: str
    question_id: str
    question: str
    value: str
    as_written: str


def neutralise(value: str) -> str:
    """Prefix ' to a value a spreadsheet would treat as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def export_rows(workspace: Workspace, audit_id: str) -> list[ExportRow]:
    """Every current answer of an audit, agency by agency, in form order."""
    partnership = workspace.partnership()
    audit = load_catalogue(workspace.audits_dir, partnership).get(audit_id)
    order = {q.id: i for i, q in enumerate(audit.questions)}

    def text(qid: str) -> str:
        question = audit.question(qid)
        return question.text if question else ""

    def rows(
        agency: str, name: str, case: str, ref: str, answers: tuple[Answer, ...]
    ) -> list[ExportRow]:
        ordered = sorted(answers, key=lambda a: (order.get(a.qid, len(order)), a.qid))
        return [
            ExportRow(agency, name, case, ref, a.qid, text(a.qid), a.value or "", a.raw)
            for a in ordered
        ]

    found: list[ExportRow] = []
    with open_ledger(workspace) as ledger:
        for stored in ledger.current_returns(audit_id):
            ret = stored.data
            agency = partnership.agency(ret.agency_key)
            name = agency.name if agency else ret.agency_key
            found += rows(ret.agency_key, name, "", "", ret.answers)
            for case in ret.cases:
                found += rows(ret.agency_key, name, str(case.index), case.ref, case.answers)
    log.info("export of %s: %d rows", audit_id, len(found))
    return found


def export_audit(workspace: Workspace, audit_id: str, fmt: str, out: TextIO) -> int:
    """Write an audit's current answers to `out` as csv or json; returns the number of rows."""
    found = export_rows(workspace, audit_id)
    if fmt == "json":
        json.dump(
            {"audit": audit_id, "rows": [asdict(r) for r in found]},
            out,
            ensure_ascii=False,
            indent=2,
        )
        out.write("\n")
        return len(found)
    writer = csv.writer(out)
    writer.writerow(
        [
            "agency",
            "agency_name",
            "case",
            "case_ref",
            "question_id",
            "question",
            "value",
            "as_written",
        ]
    )
    for row in found:
        writer.writerow([neutralise(v) for v in asdict(row).values()])
    return len(found)
