"""The generic Word reader on every Word style of the corpus, and on hostile Word files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ReturnRejected
from pipeline.readers import read_return
from pipeline.readers.docx_reader import read_docx_return
from pipeline.workspace import Workspace
from tests.corpus import DOCX_BUILDERS, built_corpus, differences, read_and_normalise
from tests.hostile import base_docx, prose, rewrite_zip

WORD_FILES = [*DOCX_BUILDERS, "libreoffice_saved.docx"]


@pytest.mark.parametrize("name", WORD_FILES)
def test_corpus_word_file_reads_as_expected(name: str, workspace: Workspace) -> None:
    item = built_corpus()[name]
    result = read_and_normalise(item.path, workspace)
    assert differences(result, item.expected) == []


def test_tracked_changes_read_as_accepted() -> None:
    raw = read_docx_return(built_corpus()["tracked_changes.docx"].path)
    answers = {row.qid: row.answer for row in raw.rows}
    assert answers == {"1.1": "Yes", "1.2": "Through mandatory training."}


def test_merged_banner_rows_are_not_answers() -> None:
    raw = read_docx_return(built_corpus()["retyped_table_with_banners_cases_actions.docx"].path)
    assert [row.qid for row in raw.rows] == ["1.1", "1.2", "4.3", "5.1", "5.2"]
    assert raw.labels["completed_by"] == "A. Example, Tenancy Services Lead"


def test_reworded_and_extra_rows_are_kept_for_matching() -> None:
    raw = read_docx_return(built_corpus()["retyped_table_columns_swapped_reworded.docx"].path)
    questions = [row.question for row in raw.rows]
    assert "Any other comments?" in questions
    assert raw.rows[0].answer == "No"


def test_legacy_dropdown_and_text_fields_read_their_values() -> None:
    raw = read_docx_return(built_corpus()["legacy_formfields_dropdowns_checkboxes.docx"].path)
    assert raw.style == "legacy-fields"
    assert raw.labels["agency"] == "Northshire Constabulary"
    assert {row.qid: row.answer for row in raw.rows}["1.1"] == "Mostly met"


def test_content_control_placeholder_is_empty() -> None:
    raw = read_docx_return(built_corpus()["content_controls_checkbox_dropdown_date.docx"].path)
    case_two = next(case for case in raw.cases if case.index == 2)
    assert case_two.answers["2.2"] == ""
    assert case_two.ref == "EY-2"


def test_multi_megabyte_answer_is_read_in_full(tmp_path: Path) -> None:
    answer = prose(3_000_000)
    raw = read_return(base_docx(tmp_path / "long.docx", answer=answer))
    assert raw.rows[0].answer == answer.strip()


def test_forbidden_xml_characters_are_a_clear_rejection(tmp_path: Path) -> None:
    good = base_docx(tmp_path / "good.docx")
    import zipfile

    with zipfile.ZipFile(good) as package:
        xml = package.read("word/document.xml").replace(b">Yes<", b">Y&#1;es<")
    bad = rewrite_zip(good, tmp_path / "bad.docx", {"word/document.xml": xml})
    with pytest.raises(ReturnRejected) as caught:
        read_return(bad)
    assert caught.value.reason == (
        "qap could not read this file as a Word or Excel return (XMLSyntaxError)."
    )
    assert "save it again" in caught.value.advice


def test_qap_form_that_lost_its_identity_reads_like_the_signed_one(
    workspace: Workspace, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli
    from tests.corpus import fill_qap_docx

    done = CliRunner().invoke(
        cli, ["--workspace", str(workspace.root), "forms", "teen-pregnancy-2026"]
    )
    assert done.exit_code == 0, done.output
    form = workspace.outbox / "forms" / "teen-pregnancy-2026" / "housing.docx"
    values = {
        "qap:q:1.1": "Partly",
        "qap:q:1.2": "Team briefings.",
        "qap:q:5.2": "Fathers are now recorded.",
        "qap:case:1:ref": "HX-9",
        "qap:case:1:2.1": "Yes",
        "qap:case:1:2.2": "Good",
        "qap:case:2:ref": "HX-10",
        "qap:case:2:3.3": "Weekly visits.",
        "qap:action:1:action": "Brief all staff",
        "qap:action:1:owner": "Service manager",
        "qap:action:1:target": "31/03/2027",
        "qap:completed_by": "A. Example",
    }
    signed = read_and_normalise(
        fill_qap_docx(form, tmp_path / "signed.docx", values, keep_identity=True), workspace
    )
    generic = read_and_normalise(
        fill_qap_docx(form, tmp_path / "housing.docx", values, keep_identity=False), workspace
    )
    assert (generic.audit_id, generic.agency_key) == (signed.audit_id, signed.agency_key)
    assert generic.identification.method == "labels"
    assert generic.answers == signed.answers
    assert generic.cases == signed.cases
    assert generic.actions == signed.actions
    assert generic.completed_by == signed.completed_by == "A. Example"
