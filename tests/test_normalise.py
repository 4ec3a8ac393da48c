"""Normalising and validating answers: options, dates, numbers, unsafe text, issues not rejection."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.definitions import GRADES, RATINGS, Catalogue, load_catalogue
from pipeline.model import Identification, RawAction, RawCase, RawReturn, RawRow
from pipeline.normalise import (
    QuestionMatcher,
    best_two,
    normalise_return,
    question_key,
    similar_above,
    similarity,
)
from pipeline.validate import match_option, parse_date, parse_number
from pipeline.workspace import SAMPLE_ROOT, Workspace


def catalogue() -> Catalogue:
    sample = Workspace(SAMPLE_ROOT)
    return load_catalogue(sample.audits_dir, sample.partnership())


TP26 = catalogue().get("teen-pregnancy-2026")
DA26 = catalogue().get("domestic-abuse-2026")
IDENT = Identification("teen-pregnancy-2026", "housing", "labels")


@pytest.mark.parametrize(
    ("typed", "options", "expected"),
    [
        ("RI", GRADES, "Requires improvement"),
        ("Req. improvement", GRADES, "Requires improvement"),
        ("  requires   IMPROVEMENT ", GRADES, "Requires improvement"),
        ("Y", ("Yes", "No"), "Yes"),
        ("n", ("Yes", "No"), "No"),
        ("N/A", RATINGS, "Not applicable"),
        ("Not applicable", RATINGS, "Not applicable"),
        (
            "n/a",
            ("Yes", "No", "Not applicable - not assessed as high risk", "Not known"),
            "Not applicable - not assessed as high risk",
        ),
        (
            "Not applicable – not assessed as high risk",
            ("Yes", "Not applicable - not assessed as high risk"),
            "Not applicable - not assessed as high risk",
        ),
        ("maybe", ("Yes", "No"), None),
        ("Not", ("Not met", "Not applicable"), None),
    ],
)
def test_options_match_ignoring_case_spacing_and_short_forms(
    typed: str, options: tuple[str, ...], expected: str | None
) -> None:
    assert match_option(typed, options) == expected


@given(
    option=st.sampled_from(GRADES + RATINGS),
    upper=st.lists(st.booleans(), min_size=40, max_size=40),
    pad=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_any_casing_and_spacing_of_an_option_normalises_to_it(
    option: str, upper: list[bool], pad: str
) -> None:
    typed = "".join(c.upper() if u else c.lower() for c, u in zip(option, upper, strict=False))
    typed = pad + typed.replace(" ", " " + pad) + pad
    assert match_option(typed, GRADES + RATINGS) == option


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_uk_and_excel_dates_round_trip(day: dt.date) -> None:
    iso = day.isoformat()
    serial = (day - dt.date(1899, 12, 30)).days
    for typed in (
        day.strftime("%d/%m/%Y"),
        day.strftime("%d %b %Y"),
        f"{day.day} {day.strftime('%B')} {day.year}",
        day.strftime("%d-%m-%Y"),
        iso,
        *([str(serial)] if 20_000 <= serial <= 80_000 else []),
    ):
        assert parse_date(typed) == iso, typed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14/02/2022", "2022-02-14"),
        ("14 Feb 2022", "2022-02-14"),
        ("2 March 2022", "2022-03-02"),
        ("2nd March 2022", "2022-03-02"),
        ("02/03/22", "2022-03-02"),
        ("44606", "2022-02-14"),
        ("31/02/2022", None),
        ("next Tuesday", None),
    ],
)
def test_dates(typed: str, expected: str | None) -> None:
    assert parse_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12", "12"), ("1,204", "1204"), ("3.0", "3"), ("2.5", "2.5"), ("none", "0"), ("lots", None)],
)
def test_numbers(typed: str, expected: str | None) -> None:
    assert parse_number(typed) == expected


def raw_return(**kwargs: object) -> RawReturn:
    return RawReturn(file_name="r.docx", format="docx", style="table", **kwargs)  # type: ignore[arg-type]


def test_reworded_question_matches_by_text_and_unrelated_text_does_not() -> None:
    matcher = QuestionMatcher(TP26)
    reworded = "Are staff in your agency aware of the Teen Pregnancy Pathway and how to refer?"
    question = matcher.match(None, reworded)
    assert question is not None and question.id == "1.1"
    assert matcher.match(None, "Any other comments?") is None
    assert matcher.match("Q5.2", None) is TP26.question("5.2")


def test_a_definition_keeps_one_matcher_and_its_answers_stay_the_same() -> None:
    matcher = QuestionMatcher.of(TP26)
    assert QuestionMatcher.of(TP26) is matcher
    # A definition loaded afresh (its file changed) gets a matcher of its own.
    assert QuestionMatcher.of(dataclasses.replace(TP26)) is not matcher
    reworded = "Are staff in your agency aware of the Teen Pregnancy Pathway and how to refer?"
    first = matcher.by_text(reworded)
    assert first is not None and matcher.by_text(reworded) is first
    assert [matcher.by_text("Any other comments?") for _ in range(2)] == [None, None]


def test_a_question_echoed_as_its_answer_is_dropped_and_remembered() -> None:
    question = TP26.question("1.1")
    assert question is not None
    raw = raw_return(tagged={"1.1": question.text, "5.2": "Better recording"})
    result = normalise_return(raw, TP26, IDENT)
    assert result.value("1.1") is None and result.value("5.2") == "Better recording"
    echoes = QuestionMatcher.of(TP26).echoes
    assert echoes["1.1"](question.text) and not echoes["1.1"]("Yes")
    assert normalise_return(raw, TP26, IDENT) == result


def test_problems_become_issues_and_the_return_is_still_accepted() -> None:
    raw = raw_return(
        rows=(
            RawRow("1.1", None, "Maybe"),
            RawRow(None, "What is your favourite colour?", "Blue"),
            RawRow("5.2", None, "Better \x01 recording"),
        ),
        cases=(RawCase(1, "", {"2.1": "Yes", "2.2": "good"}),),
        actions=(RawAction("Train staff", "Lead", "soon"),),
        labels={"completed_on": "14 Feb 2027"},
    )
    result = normalise_return(raw, TP26, IDENT)
    kinds = [(issue.kind, issue.qid) for issue in result.issues]
    assert ("invalid", "1.1") in kinds
    assert ("unknown", None) in kinds
    assert ("altered", "5.2") in kinds
    assert ("missing", "5.1") in kinds
    assert ("missing", "3.1") in kinds
    assert result.value("1.1") is None
    assert result.value("5.2") == "Better \ufffd recording"
    assert result.cases[0].value("2.2") == "Good"
    assert result.actions[0].target_date is None and result.actions[0].target_raw == "soon"
    assert result.completed_on == "2027-02-14"
    messages = " ".join(issue.message for issue in result.issues)
    assert "Blue" not in messages and "Maybe" not in messages


def test_multi_megabyte_answer_is_kept_whole_and_flagged() -> None:
    long = "word " * 1_000_000
    result = normalise_return(raw_return(rows=(RawRow("5.2", None, long),)), TP26, IDENT)
    assert result.value("5.2") == long.strip()
    assert [i.kind for i in result.issues if i.qid == "5.2"] == ["large"]


def test_per_case_question_answered_once_goes_to_case_one() -> None:
    result = normalise_return(raw_return(rows=(RawRow("2.1", None, "yes"),)), TP26, IDENT)
    assert result.cases[0].value("2.1") == "Yes"
    assert any(i.kind == "altered" and i.qid == "2.1" for i in result.issues)


def test_missing_cases_are_counted() -> None:
    raw = raw_return(cases=(RawCase(1, "DA-1", {"1.2": "Yes"}),))
    result = normalise_return(raw, DA26, Identification(DA26.id, "police", "labels"))
    assert "The audit asks for 3 cases; 1 were found in the return." in [
        i.message for i in result.issues
    ]


def test_identification_flags_become_signature_issues() -> None:
    ident = Identification(TP26.id, "housing", "labels", "invalid", flags=("Signature failed.",))
    result = normalise_return(raw_return(), TP26, ident)
    assert ("signature", "Signature failed.") in [(i.kind, i.message) for i in result.issues]


def test_placeholder_text_counts_as_missing(tmp_path: Path) -> None:
    raw = raw_return(rows=(RawRow("1.1", None, "Choose an item."),))
    result = normalise_return(raw, TP26, IDENT)
    assert result.value("1.1") is None
    assert ("missing", "1.1") in [(i.kind, i.qid) for i in result.issues]


KEYS = [question_key(q.text) for audit in catalogue().audits for q in audit.questions]


@given(
    st.sampled_from(KEYS),
    st.one_of(
        st.sampled_from(KEYS),
        st.sampled_from(KEYS).map(lambda k: k[: len(k) * 9 // 10]),
        st.sampled_from(KEYS).map(lambda k: k.replace(" ", " very ", 1)),
        st.text(alphabet="abc yes no", max_size=40),
    ),
    st.sampled_from([0.5, 0.75, 0.9, 0.95]),
)
def test_similar_above_agrees_with_similarity(a: str, b: str, threshold: float) -> None:
    assert similar_above(a, b, threshold) == (similarity(a, b) > threshold)


@given(
    st.one_of(st.sampled_from(KEYS), st.text(alphabet="abcde fghij", max_size=30)),
    st.lists(st.one_of(st.sampled_from(KEYS), st.text(alphabet="abcde ", max_size=20)), max_size=8),
)
def test_best_two_ranks_as_sorting_every_similarity_would(target: str, keys: list[str]) -> None:
    keyed = list(enumerate(keys))
    everything = sorted(((similarity(target, key), n) for n, key in keyed), key=lambda p: -p[0])
    assert best_two(target, [(n, key) for n, key in keyed]) == everything[:2]
    # With a floor, [] may stand for "nothing reaches it"; anything else is the same ranking.
    above = best_two(target, [(n, key) for n, key in keyed], 0.75)
    if everything and everything[0][0] >= 0.75:
        assert above == everything[:2]
    else:
        assert above in ([], everything[:2])
