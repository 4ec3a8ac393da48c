"""The words of returns: what a table cell's text is, judged in one call."""

from __future__ import annotations

from pipeline.readers.vocab import LABELLED, NAMED, cell_kind


def test_a_heading_cell_names_its_column() -> None:
    kind = cell_kind("Question")
    assert (kind.role, kind.qid, kind.marks) == ("question", None, NAMED)
    assert cell_kind("Case 2").heading == (2, "")
    assert cell_kind("Case 2").role == "case"


def test_a_label_cell_gives_its_field_and_a_labelled_pair_its_value() -> None:
    assert cell_kind("Agency:").label == "agency"
    assert cell_kind("Agency:").marks & LABELLED
    kind = cell_kind("Agency: Police")
    assert (kind.label, kind.pair, kind.role) == (None, ("agency", "Police"), None)
    assert kind.marks == LABELLED


def test_an_id_or_an_answer_cell_is_neither_named_nor_labelled() -> None:
    kind = cell_kind("Q1.10")
    assert (kind.qid, kind.role, kind.marks) == ("1.10", None, 0)
    assert cell_kind("Daily huddles in every room.").marks == 0
