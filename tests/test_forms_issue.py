"""`qap forms`: one signed form per agency and format, new versions instead of overwrites."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.forms.identity import read_form_identity, verify_identity
from pipeline.forms.issue import forms_folder, load_register, register_path
from pipeline.workspace import Workspace


def _forms(runner: CliRunner, workspace: Workspace, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["forms", *args, "--workspace", str(workspace.root)])
    return result.exit_code, result.output


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_agency_gets_both_formats(runner: CliRunner, workspace: Workspace) -> None:
    code, output = _forms(runner, workspace, "teen-pregnancy-2026")
    assert code == 0, output
    folder = forms_folder(workspace, "teen-pregnancy-2026")
    agencies = [
        "community-health",
        "acute-hospital",
        "csc",
        "education",
        "housing",
        "youth-justice",
    ]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{a}.{fmt}" for a in agencies for fmt in ("docx", "xlsx")
    )
    assert (
        output.splitlines()[0]
        == "Wrote forms for teen-pregnancy-2026 into outbox/forms/teen-pregnancy-2026/:"
    )
    assert "  housing: housing.docx, housing.xlsx" in output.splitlines()
    identity = read_form_identity(folder / "housing.xlsx")
    assert identity is not None
    assert (identity.audit_id, identity.agency_key, identity.form_version) == (
        "teen-pregnancy-2026",
        "housing",
        1,
    )
    assert identity.workspace_id == workspace.workspace_id()
    assert verify_identity(identity, workspace.secret_key())
    assert b"secret" not in (folder / "housing.docx").read_bytes()
    key_hex = workspace.secret_key().hex().encode()
    assert all(key_hex not in p.read_bytes() for p in folder.iterdir())


def test_unknown_audit_writes_nothing(runner: CliRunner, workspace: Workspace) -> None:
    code, output = _forms(runner, workspace, "no-such-audit")
    assert code == 1
    assert output == (
        "Error: There is no audit 'no-such-audit' in this workspace. Known audits: "
        "teen-pregnancy-2025, section11-2026, early-years-maru-2026, domestic-abuse-2026, "
        "teen-pregnancy-2026, fathers-2026. Run `qap audits` to list them.\n"
    )
    assert not (workspace.outbox / "forms").exists()
    assert not register_path(workspace).exists()


def test_agency_not_in_the_audit_writes_nothing(runner: CliRunner, workspace: Workspace) -> None:
    code, output = _forms(
        runner, workspace, "fathers-2026", "--agency", "police", "--agency", "housing"
    )
    assert code == 1
    assert output == (
        "Error: Agency 'housing' does not take part in audit 'fathers-2026'. Its agencies are: "
        "police, community-health, acute-hospital, csc, education, early-years, probation, "
        "youth-justice. Use one of these with --agency, or add the agency to the agencies list "
        "in fathers-2026.toml.\n"
    )
    assert not (workspace.outbox / "forms").exists()


def test_second_run_makes_a_new_version(runner: CliRunner, workspace: Workspace) -> None:
    assert _forms(runner, workspace, "section11-2026", "--agency", "police")[0] == 0
    folder = forms_folder(workspace, "section11-2026")
    first = {p.name: _digest(p) for p in folder.iterdir()}
    code, output = _forms(runner, workspace, "section11-2026", "--agency", "police")
    assert code == 0, output
    assert output.splitlines()[1] == (
        "  police: police-v2.docx, police-v2.xlsx (version 2: police already had version 1, "
        "which is kept, not overwritten)"
    )
    assert {p.name: _digest(p) for p in folder.iterdir() if p.name in first} == first
    identity = read_form_identity(folder / "police-v2.docx")
    assert identity is not None and identity.form_version == 2
    assert verify_identity(identity, workspace.secret_key())
    versions = [(r.agency_key, r.version, r.files) for r in load_register(workspace)]
    assert versions == [
        (
            "police",
            1,
            ("outbox/forms/section11-2026/police.docx", "outbox/forms/section11-2026/police.xlsx"),
        ),
        (
            "police",
            2,
            (
                "outbox/forms/section11-2026/police-v2.docx",
                "outbox/forms/section11-2026/police-v2.xlsx",
            ),
        ),
    ]


def test_one_format_and_a_lost_register_never_overwrite(
    runner: CliRunner, workspace: Workspace
) -> None:
    code, output = _forms(
        runner, workspace, "domestic-abuse-2026", "--agency", "csc", "--format", "docx"
    )
    assert code == 0, output
    folder = forms_folder(workspace, "domestic-abuse-2026")
    assert [p.name for p in folder.iterdir()] == ["csc.docx"]
    before = _digest(folder / "csc.docx")
    register_path(workspace).unlink()
    code, output = _forms(
        runner, workspace, "domestic-abuse-2026", "--agency", "csc", "--format", "docx"
    )
    assert code == 0, output
    assert _digest(folder / "csc.docx") == before
    identity = read_form_identity(folder / "csc-v2.docx")
    assert identity is not None and identity.form_version == 2
    assert not list(folder.glob(".*"))


def test_damaged_register_is_reported(runner: CliRunner, workspace: Workspace) -> None:
    workspace.ensure_private_dirs()
    register_path(workspace).write_text(json.dumps({"forms": [{"audit_id": "x"}]}))
    code, output = _forms(runner, workspace, "fathers-2026", "--agency", "police")
    assert code == 1
    assert output == (
        f"Error: {register_path(workspace)} is damaged, so qap cannot tell which form versions "
        "were issued. Restore it from a backup, or move it aside to start numbering again (old "
        "forms stay readable).\n"
    )
    assert not (workspace.outbox / "forms" / "fathers-2026").exists()
