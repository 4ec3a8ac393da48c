"""Shared setup for the forms and qap-reader tests: a workspace with every shipped audit's forms."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipeline.definitions import AuditDefinition, Catalogue, load_catalogue
from pipeline.forms.issue import IssuedForm, issue_forms
from pipeline.workspace import Workspace, init_workspace

SHIPPED = (
    "domestic-abuse-2026",
    "early-years-maru-2026",
    "fathers-2026",
    "section11-2026",
    "teen-pregnancy-2025",
    "teen-pregnancy-2026",
)


@dataclass(frozen=True)
class IssuedSet:
    """A workspace and, per shipped audit, the forms issued to its first agency."""

    workspace: Workspace
    catalogue: Catalogue
    forms: dict[str, IssuedForm]

    def audit(self, audit_id: str) -> AuditDefinition:
        """The definition of one shipped audit."""
        return self.catalogue.get(audit_id)

    def form(self, audit_id: str, fmt: str) -> Path:
        """The path of one audit's issued form in one format."""
        return next(p for p in self.forms[audit_id].paths if p.suffix == f".{fmt}")


def issue_every_audit(root: Path) -> IssuedSet:
    """Make a workspace at `root` and issue both formats for the first agency of each audit."""
    init_workspace(root)
    workspace = Workspace(root.resolve())
    catalogue = load_catalogue(workspace.audits_dir, workspace.partnership())
    forms = {}
    for audit_id in SHIPPED:
        agency = catalogue.get(audit_id).agencies[0]
        (forms[audit_id],) = issue_forms(workspace, audit_id, [agency])
    return IssuedSet(workspace, catalogue, forms)


def pdf_text(pdf: Path) -> str:
    """The text of a PDF, as poppler extracts it."""
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def pdf_pages(pdf: Path) -> int:
    """How many pages a PDF has."""
    done = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])
