"""`qap forms`: write each participating agency's signed return forms and record what was issued.

Forms are never overwritten: an agency that already has forms for an audit gets the next
version in new files (`police-v2.docx`), and every version issued stays on record in
`.qap/forms-issued.json` so the intake knows which versions exist.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.config import Agency, Partnership
from pipeline.definitions import AuditDefinition, load_catalogue
from pipeline.errors import UnknownAuditError, WorkspaceError
from pipeline.forms.content import FormContent, build_content
from pipeline.forms.docx_writer import write_docx_form
from pipeline.forms.fields import form_file_name
from pipeline.forms.identity import sign_identity
from pipeline.forms.xlsx_writer import write_xlsx_form
from pipeline.lock import file_lock
from pipeline.model import RETURN_FORM, FormIdentity
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

FORMATS = ("docx", "xlsx")
REGISTER_NAME = "forms-issued.json"
WRITERS = {"docx": write_docx_form, "xlsx": write_xlsx_form}


@dataclass(frozen=True)
class IssueRecord:
    """One version of one agency's forms for one audit, as kept in the register."""

    audit_id: str
    agency_key: str
    version: int
    kind: str
    files: tuple[str, ...]
    issued_at: str


@dataclass(frozen=True)
class IssuedForm:
    """What `issue_forms` wrote for one agency; `previous` is the version it supersedes, if any."""

    agency: Agency
    version: int
    paths: tuple[Path, ...]
    previous: int | None = None


def forms_folder(workspace: Workspace, audit_id: str) -> Path:
    """Where the forms of one audit are written: outbox/forms/AUDIT."""
    return workspace.outbox / "forms" / audit_id


def register_path(workspace: Workspace) -> Path:
    """The record of every form version issued in this workspace."""
    return workspace.private / REGISTER_NAME


def load_register(workspace: Workspace) -> list[IssueRecord]:
    """Every form version issued, oldest first; an empty list before the first `qap forms`."""
    path = register_path(workspace)
    if not path.is_file():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [
            IssueRecord(
                audit_id=str(r["audit_id"]),
                agency_key=str(r["agency_key"]),
                version=int(r["version"]),
                kind=str(r.get("kind", RETURN_FORM)),
                files=tuple(str(f) for f in r.get("files", ())),
                issued_at=str(r.get("issued_at", "")),
            )
            for r in raw["forms"]
        ]
    except (ValueError, KeyError, TypeError):
        raise WorkspaceError(
            f"{path} is damaged, so qap cannot tell which form versions were issued. Restore it "
            "from a backup, or move it aside to start numbering again (old forms stay readable)."
        ) from None


def issue_forms(
    workspace: Workspace,
    audit_id: str,
    agency_keys: Sequence[str] = (),
    formats: Sequence[str] = FORMATS,
) -> list[IssuedForm]:
    """Write signed forms for the audit's agencies (all, or those named); nothing is overwritten."""
    partnership = workspace.partnership()
    audit = load_catalogue(workspace.audits_dir, partnership).get(audit_id)
    agencies = _agencies(audit, partnership, agency_keys)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UnknownAuditError(f"Unknown form format {unknown}: use docx, xlsx or both.")
    key = workspace.secret_key()
    workspace_id = workspace.workspace_id()
    folder = forms_folder(workspace, audit.id)
    issued: list[IssuedForm] = []
    with _register_lock(workspace):
        register = load_register(workspace)
        folder.mkdir(parents=True, exist_ok=True)
        for agency in agencies:
            previous = max(
                (
                    r.version
                    for r in register
                    if r.audit_id == audit.id and r.agency_key == agency.key
                ),
                default=None,
            )
            version = _free_version(folder, agency.key, (previous or 0) + 1, formats)
            identity = sign_identity(
                FormIdentity(workspace_id, audit.id, agency.key, version, RETURN_FORM), key
            )
            content = build_content(audit, partnership, agency, identity)
            paths = tuple(
                _write_new(folder / form_file_name(agency.key, version, fmt), fmt, content)
                for fmt in formats
            )
            register.append(
                IssueRecord(
                    audit.id,
                    agency.key,
                    version,
                    RETURN_FORM,
                    tuple(str(p.relative_to(workspace.root)) for p in paths),
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                )
            )
            _save_register(workspace, register)
            log.info("issued %s forms for %s version %d", audit.id, agency.key, version)
            issued.append(IssuedForm(agency, version, paths, previous))
    return issued


def _agencies(
    audit: AuditDefinition, partnership: Partnership, keys: Sequence[str]
) -> list[Agency]:
    """The agencies to write forms for; any key not in the audit stops everything."""
    wanted = list(dict.fromkeys(keys)) or list(audit.agencies)
    outside = [k for k in wanted if k not in audit.agencies]
    if outside:
        names = ", ".join(repr(k) for k in outside)
        raise UnknownAuditError(
            f"Agency {names} does not take part in audit {audit.id!r}. Its agencies are: "
            f"{', '.join(audit.agencies)}. Use one of these with --agency, or add the agency "
            f"to the agencies list in {audit.source.name if audit.source else 'the definition'}."
        )
    agencies = []
    for key in wanted:
        agency = partnership.agency(key)
        if agency is None:
            raise UnknownAuditError(
                f"Agency {key!r} is in audit {audit.id!r} but not in qap.toml. Add an "
                "[[agencies]] block for it to qap.toml."
            )
        agencies.append(agency)
    return agencies


def _free_version(folder: Path, agency_key: str, version: int, formats: Sequence[str]) -> int:
    """The first version from `version` whose files do not exist (a lost register never overwrites)."""
    while any((folder / form_file_name(agency_key, version, f)).exists() for f in formats):
        version += 1
    return version


def _write_new(path: Path, fmt: str, content: FormContent) -> Path:
    """Write a form beside its final name, then move it in; an existing file is never replaced."""
    temp = path.with_name(f".{path.stem}.partial.{fmt}")
    try:
        WRITERS[fmt](content, temp)
        # link() fails if the name exists, unlike replace(): no silent overwrite even in a race.
        os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def _save_register(workspace: Workspace, register: list[IssueRecord]) -> None:
    path = register_path(workspace)
    temp = path.with_suffix(".json.tmp")
    data = {"forms": [asdict(r) for r in register]}
    temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, path)


@contextmanager
def _register_lock(workspace: Workspace) -> Iterator[None]:
    """Serialise `qap forms` runs on one workspace, so two never take the same version."""
    workspace.ensure_private_dirs()
    with file_lock(workspace.private / "forms-issued.lock"):
        yield
