"""The draft multi-agency audit report: context from the returns, docxtpl rendering, numbered drafts."""

from __future__ import annotations

from pipeline.report.build import ReportResult, render_report, reports_folder, write_draft_report
from pipeline.report.inputs import DraftInputs, load_inputs

__all__ = [
    "DraftInputs",
    "ReportResult",
    "load_inputs",
    "render_report",
    "reports_folder",
    "write_draft_report",
]
