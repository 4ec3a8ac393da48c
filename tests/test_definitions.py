"""Audit definitions: the shipped programme loads, and each kind of mistake is reported by line."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from pipeline.definition_check import check_definition_file, load_definition
from pipeline.definitions import GRADES, QUESTION_TYPES, RATINGS, load_catalogue
from pipeline.errors import DefinitionError, UnknownAuditError
from pipeline.workspace import Workspace

SHIPPED = sorted((Path(__file__).parent.parent / "templates" / "audits").glob("*.toml"))


def test_programme_is_shipped(workspace: Workspace) -> None:
    catalogue = load_catalogue(workspace.audits_dir, workspace.partnership())
    ids = {a.id for a in catalogue.audits}
    assert {
        "early-years-maru-2026",
        "domestic-abuse-2026",
        "teen-pregnancy-2025",
        "teen-pregnancy-2026",
        "fathers-2026",
        "section11-2026",
    } <= ids
    assert catalogue.broken == ()
    assert catalogue.get("teen-pregnancy-2026").repeat_of == "teen-pregnancy-2025"
    with pytest.raises(UnknownAuditError, match="Known audits: "):
        catalogue.get("no-such-audit")


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_definition_checks(path: Path, workspace: Workspace) -> None:
    audit = check_definition_file(path, workspace)
    assert audit.id == path.stem
    assert isinstance(audit.deadline, dt.date)
    assert all(q.type in QUESTION_TYPES for q in audit.questions)
    assert all(q.options for q in audit.questions if q.categorical)


def test_question_scales(workspace: Workspace) -> None:
    catalogue = load_catalogue(workspace.audits_dir, workspace.partnership())
    da = catalogue.get("domestic-abuse-2026")
    assert da.cases == 3 and da.actions_table
    graded = [q for q in da.questions if q.type == "grade"]
    assert graded and graded[0].options == GRADES
    assert any(q.per_case for q in da.questions)
    s11 = catalogue.get("section11-2026")
    assert s11.is_section11
    assert len(s11.sections) == 11
    assert all(q.options == RATINGS for q in s11.questions if q.type == "rating")


def _variant(workspace: Workspace, tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    source = (workspace.audits_dir / "domestic-abuse-2026.toml").read_text()
    assert old in source
    path = tmp_path / "domestic-abuse-2026.toml"
    path.write_text(source.replace(old, new, count))
    return path


def _line_of(path: Path, needle: str, nth: int = 1) -> int:
    found = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return found[nth - 1]


@pytest.mark.parametrize(
    ("old", "new", "needle", "nth", "message"),
    [
        (
            'type = "grade"',
            'type = "stars"',
            'type = "stars"',
            1,
            "type 'stars' is not known; use one of",
        ),
        ('id = "1.2"', 'id = "1.1"', 'id = "1.1"', 2, "question id '1.1' is used twice"),
        (
            'type = "grade"',
            'type = "choice"  # was grade',
            "# was grade",
            1,
            "a choice question needs options",
        ),
        ('"police", ', '"police", "fire", ', '"fire"', 1, "agency 'fire' is not in qap.toml"),
        ('section = "2"', 'section = "9"', 'section = "9"', 1, "section '9' is not defined"),
        (
            'per = "case"',
            'per = "household"',
            'per = "household"',
            1,
            "per 'household' is not known",
        ),
        (
            "deadline = 2027-01-29",
            'deadline = "end of January"',
            "deadline =",
            1,
            "deadline must be a date",
        ),
    ],
)
def test_each_mistake_names_its_line(
    workspace: Workspace, tmp_path: Path, old: str, new: str, needle: str, nth: int, message: str
) -> None:
    path = _variant(workspace, tmp_path, old, new)
    with pytest.raises(DefinitionError) as info:
        load_definition(path, workspace.partnership())
    text = info.value.format_message()
    assert f"line {_line_of(path, needle, nth)}: {message}" in text


def test_per_case_without_cases(workspace: Workspace, tmp_path: Path) -> None:
    path = _variant(workspace, tmp_path, "cases = 3", "cases = 0")
    with pytest.raises(DefinitionError, match="a per-case question needs cases = N"):
        load_definition(path, workspace.partnership())


def test_repeat_of_must_exist(workspace: Workspace, tmp_path: Path) -> None:
    source = (workspace.audits_dir / "teen-pregnancy-2026.toml").read_text()
    path = tmp_path / "teen-pregnancy-2026.toml"
    path.write_text(source.replace('repeat_of = "teen-pregnancy-2025"', 'repeat_of = "tpp-2019"'))
    with pytest.raises(DefinitionError, match="repeat_of 'tpp-2019' names no audit"):
        check_definition_file(path, workspace)


def test_broken_file_does_not_hide_the_others(workspace: Workspace) -> None:
    (workspace.audits_dir / "broken.toml").write_text('id = "broken"\ntitle = [\n')
    catalogue = load_catalogue(workspace.audits_dir, workspace.partnership())
    assert len(catalogue.audits) == 6
    assert len(catalogue.broken) == 1
    assert "not valid TOML" in catalogue.broken[0].format_message()


def test_catalogue_is_loaded_once_until_a_file_changes(workspace: Workspace) -> None:
    partnership = workspace.partnership()
    first = load_catalogue(workspace.audits_dir, partnership)
    assert load_catalogue(workspace.audits_dir, partnership) is first
    path = sorted(workspace.audits_dir.glob("*.toml"))[0]
    text = path.read_text(encoding="utf-8")
    audit_id = load_definition(path, partnership).id
    # Same length, same modification time: only the bytes tell the edit apart.
    stat = path.stat()
    at = text.index('title = "') + len('title = "')
    path.write_text(text[:at] + "X" + text[at + 1 :], encoding="utf-8")
    assert path.stat().st_size == stat.st_size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = load_catalogue(workspace.audits_dir, partnership)
    assert changed is not first
    assert changed.get(audit_id).title.startswith("X")


def test_a_new_definition_file_is_seen(workspace: Workspace) -> None:
    partnership = workspace.partnership()
    assert len(load_catalogue(workspace.audits_dir, partnership).audits) == 6
    (workspace.audits_dir / "broken.toml").write_text('id = "broken"\ntitle = [\n')
    again = load_catalogue(workspace.audits_dir, partnership)
    assert (len(again.audits), len(again.broken)) == (6, 1)
    assert load_catalogue(workspace.audits_dir, partnership).broken == again.broken
