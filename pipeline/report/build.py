"""Building a draft report: from the ledger's current returns to a numbered .docx (and PDF) in the outbox."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Partnership
from pipeline.definitions import AuditDefinition, Catalogue
from pipeline.errors import QapError
from pipeline.model import StoredReturn, TrackerItem
from pipeline.report.context import build_context
from pipeline.report.inputs import DraftInputs, load_inputs
from pipeline.report.versions import (
    draft_path,
    latest_path,
    next_version,
    publish_new,
    write_atomic,
)
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

# How many times to take the next number when another run claims the same draft number first.
CLAIM_ATTEMPTS = 5


@dataclass(frozen=True)
class ReportResult:
    """The draft just written: its numbered file, the "latest" copy, the PDF if asked for, its number."""

    path: Path
    latest_path: Path
    pdf_path: Path | None
    version: int


def reports_folder(workspace: Workspace, audit_id: str) -> Path:
    """Where an audit's drafts go: outbox/reports/AUDIT."""
    return workspace.outbox / "reports" / audit_id


def render_report(
    audit: AuditDefinition,
    returns: Sequence[StoredReturn],
    partnership: Partnership,
    catalogue: Catalogue,
    tracker_items: Sequence[TrackerItem] | None,
    previous_returns: Sequence[StoredReturn],
    out_path: Path | None,
    *,
    template: Path,
    now: dt.datetime,
    version: int = 1,
    chart_cache: Path | None = None,
    check_cache: Path | None = None,
) -> bytes:
    """Render one draft from returns held in memory; written atomically to `out_path` when given.

    `tracker_items` None means the tracker could not be read (the report says so);
    `check_cache` remembers templates whose tags passed the check (see render.check_once).
    """
    from pipeline.report.render import render_docx

    previous = next((a for a in catalogue.audits if a.id == audit.repeat_of), None)
    context = build_context(
        audit,
        returns,
        partnership,
        version=version,
        now=now,
        tracker_items=tracker_items or (),
        tracker_read=tracker_items is not None,
        previous=previous,
        previous_returns=previous_returns,
    )
    if chart_cache is None:
        with tempfile.TemporaryDirectory(prefix="qap-charts-") as scratch:
            data = render_docx(template, context, chart_dir=Path(scratch), checked=check_cache)
    else:
        data = render_docx(template, context, chart_dir=chart_cache, checked=check_cache)
    if out_path is not None:
        write_atomic(out_path, data)
    return data


def write_draft_report(
    workspace: Workspace,
    audit_id: str,
    *,
    pdf: bool = False,
    now: dt.datetime | None = None,
    inputs: DraftInputs | None = None,
) -> ReportResult:
    """Write the next numbered draft of an audit's report from the ledger, plus its "latest" copy.

    A run writing several drafts reads the ledger and tracker once and passes `inputs` to each.
    """
    now = now or dt.datetime.now(dt.UTC)
    if inputs is None:
        inputs = load_inputs(workspace, [audit_id])
    audit = inputs.catalogue.get(audit_id)
    returns = inputs.returns_for(audit_id)
    previous_returns = inputs.returns_for(audit.repeat_of) if audit.repeat_of else []
    items = inputs.items_for(audit_id)
    folder = reports_folder(workspace, audit_id)
    for _ in range(CLAIM_ATTEMPTS):
        version = next_version(folder, audit_id)
        data = render_report(
            audit,
            returns,
            inputs.partnership,
            inputs.catalogue,
            items,
            previous_returns,
            None,
            template=workspace.report_template,
            now=now,
            version=version,
            chart_cache=workspace.private / "chart-cache",
            check_cache=workspace.private / "template-checks",
        )
        path = draft_path(folder, audit_id, version)
        folder.mkdir(parents=True, exist_ok=True)
        if publish_new(path, data):
            break
    else:
        raise QapError(
            f"Another qap run kept taking the next draft number in {folder}; run `qap report {audit_id}` again."
        )
    latest = latest_path(folder, audit_id)
    write_atomic(latest, data)
    log.info("wrote %s (%d returns)", path.name, len(returns))
    pdf_path = _pdf(path, folder, audit_id) if pdf else None
    return ReportResult(path=path, latest_path=latest, pdf_path=pdf_path, version=version)


def _pdf(docx: Path, folder: Path, audit_id: str) -> Path:
    from pipeline.convert import convert_with_libreoffice

    with tempfile.TemporaryDirectory(dir=folder, prefix=".pdf-") as scratch:
        produced = convert_with_libreoffice(docx, Path(scratch), target="pdf")
        target = docx.with_suffix(".pdf")
        # The PDF holds the same answers as the draft: owner-only, like the draft itself.
        os.chmod(produced, 0o600)
        os.replace(produced, target)
    write_atomic(latest_path(folder, audit_id, ".pdf"), target.read_bytes())
    log.info("wrote %s", target.name)
    return target


__all__ = ["ReportResult", "draft_path", "render_report", "reports_folder", "write_draft_report"]
