"""validate.py: one answer judged against its question, and the memo of judged short answers."""

from __future__ import annotations

from pipeline.definitions import load_catalogue
from pipeline.memo import CACHED_LENGTH
from pipeline.model import Answer
from pipeline.validate import Checked, answer_judge, judge
from pipeline.workspace import SAMPLE_ROOT, Workspace

SAMPLE = Workspace(SAMPLE_ROOT)
TP26 = load_catalogue(SAMPLE.audits_dir, SAMPLE.partnership()).get("teen-pregnancy-2026")
YESNO = TP26.question("1.1")
TEXT = TP26.question("5.2")
assert YESNO is not None and TEXT is not None


def test_an_answer_is_made_safe_then_checked_and_recorded() -> None:
    judged = judge(TEXT, "Better \x01 recording\x02")
    assert judged.text == "Better \ufffd recording\ufffd" and judged.replaced == 2
    assert judged.answer == Answer("5.2", "Better \ufffd recording\ufffd", judged.text)
    assert judge(YESNO, " y ").answer == Answer("1.1", "Yes", " y ")


def test_a_blank_answer_is_checked_but_not_recorded() -> None:
    judged = judge(YESNO, "Choose an item.")
    assert judged.checked == Checked(None) and judged.answer is None
    assert judge(YESNO, "Maybe").checked.problem.startswith("the answer is not one of the options")
    assert judge(YESNO, "Maybe").answer == Answer("1.1", None, "Maybe")


def test_the_judge_of_a_question_remembers_short_answers_and_agrees_with_judge() -> None:
    judged = answer_judge(YESNO)
    assert judged("no") is judged("no")
    assert judged("no") == judge(YESNO, "no")
    long = "n" + " " * CACHED_LENGTH
    assert judged(long) is not judged(long)
    assert judged(long) == judge(YESNO, long)
