"""validate.py: one answer judged against its question, and the memo of judged short answers."""

from __future__ import annotations

from pipeline.definitions import load_catalogue
from pipeline.memo import CACHED_LENGTH
from pipeline.model import Answer
from pipeline.validate import Checked, answer_judge, checked_answers, judge
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


def test_checked_answers_record_answers_and_raise_an_issue_for_each_problem() -> None:
    issues: list[tuple[str, str, str | None, str | None]] = []
    judges = {q.id: answer_judge(q) for q in (YESNO, TEXT)}

    def issue(kind: str, message: str, qid: str | None, case: str | None) -> None:
        issues.append((kind, message, qid, case))

    given = {"1.1": "Maybe", "5.2": "x\x00"}
    answers = checked_answers((YESNO, TEXT), given, judges, issue, "2 (DA-2)")
    assert [a.value for a in answers] == [None, "x\ufffd"]
    assert [(kind, qid, case) for kind, _, qid, case in issues] == [
        ("invalid", "1.1", "2 (DA-2)"),
        ("altered", "5.2", "2 (DA-2)"),
    ]
    assert issues[0][1].startswith("Case 2 (DA-2): question 1.1: the answer is not one of")
    issues.clear()
    assert checked_answers((YESNO,), {}, judges, issue) == ()
    assert issues == [("missing", "Question 1.1 has no answer.", "1.1", None)]
