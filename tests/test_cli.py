"""The command line: help for every command, init/audits/check as a coordinator runs them."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.workspace import Workspace


def test_every_command_has_help(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        assert command.help, f"{name} has no help text"
        assert name in result.output
        sub = runner.invoke(cli, [name, "--help"])
        assert sub.exit_code == 0, name
        assert "--workspace" in sub.output or name == "init", name


def test_init_then_audits(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "shared-folder"
    result = runner.invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Workspace ready at {target.resolve()}" in result.output
    listed = runner.invoke(cli, ["--workspace", str(target), "audits"])
    assert listed.exit_code == 0, listed.output
    assert "domestic-abuse-2026" in listed.output
    assert "(repeats teen-pregnancy-2025)" in listed.output
    again = runner.invoke(cli, ["init", str(target)])
    assert "nothing overwritten" in again.output


def test_outside_a_workspace(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["audits", "--workspace", str(tmp_path)], env={"QAP_WORKSPACE": None}
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path} is not a qap workspace (no qap.toml). Make one with `qap init DIR`, "
        "or point to one with --workspace DIR or the QAP_WORKSPACE environment variable.\n"
    )


def test_check_good_and_broken(runner: CliRunner, workspace: Workspace, tmp_path: Path) -> None:
    good = workspace.audits_dir / "fathers-2026.toml"
    ok = runner.invoke(cli, ["check", str(good), "--workspace", str(workspace.root)])
    assert ok.exit_code == 0, ok.output
    assert "OK, audit 'fathers-2026'" in ok.output
    bad = tmp_path / "fathers-2026.toml"
    bad.write_text(good.read_text().replace('type = "number"', 'type = "count"', 1))
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if 'type = "count"' in t)
    result = runner.invoke(cli, ["check", str(bad), "--workspace", str(workspace.root)])
    assert result.exit_code == 1
    assert f"line {line}: type 'count' is not known" in result.output
