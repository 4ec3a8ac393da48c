"""The draft multi-agency audit report: context from the returns, docxtpl rendering, numbered drafts."""

from __future__ import annotations

from pipeline.report.build import ReportResult, render_report, reports_folder, write_draft_report

__all__ = ["ReportResult", "render_report", "reports_folder", "write_draft_report"]
