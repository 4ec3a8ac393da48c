"""Receipts: every answer read and every issue, in plain words, for the agency."""

from __future__ import annotations

import datetime as dt
import textwrap

from hypothesis import given
from hypothesis import strategies as st

from pipeline.definitions import load_catalogue
from pipeline.model import Action, Answer, CaseReturn, ReturnIssue
from pipeline.receipts import WIDTH, _fill, receipt_path, render_receipt, write_receipt
from pipeline.workspace import Workspace
from tests.intake_helpers import record_return

T0 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
LONG = "The father was seen twice. " * 12


def test_receipt_lists_every_answer_and_issue(workspace: Workspace) -> None:
    stored = record_return(
        workspace,
        "police",
        T0,
        answers=(Answer("1.1", "Yes", "y"), Answer("1.2", None, "lots"), Answer("1.3", LONG, LONG)),
        cases=(CaseReturn(1, "REF-1", (Answer("2.1", "No", "No"),)),),
        issues=(ReturnIssue("invalid", "'lots' is not a number.", "1.2"),),
    )
    partnership = workspace.partnership()
    catalogue = load_catalogue(workspace.audits_dir, partnership)
    path = write_receipt(workspace, stored, partnership, catalogue)
    assert path == receipt_path(workspace, stored)
    assert path.parent == workspace.outbox / "receipts" / "fathers-2026"
    text = path.read_text(encoding="utf-8-sig")
    assert text.startswith(
        "Northshire Safeguarding Children Partnership\nReceipt for an audit return"
    )
    assert "Agency:        Northshire Constabulary" in text
    assert "Completed by:  A. Reviewer\n" in text
    assert "Status:        Accepted with 1 issue\n" in text
    assert "  1. [question 1.2] 'lots' is not a number." in text
    assert "\n         Answer: Yes\n         (as written on the form: y)\n" in text
    assert "\n         Answer: lots\n         (qap could not read this as a valid answer)\n" in text
    assert "CASE 1 (reference REF-1)" in text
    assert "    2.1  Is the father's name recorded?\n         Answer: No\n" in text
    assert "(as written on the form: The father" not in text
    # Unanswered questions are listed too, so the agency sees what was missed.
    assert text.count("Answer: (not answered)") == len(catalogue.get("fathers-2026").questions) - 4
    assert max(len(line) for line in text.splitlines()) <= 78
    assert "the new return will replace this one" in " ".join(text.split())


def test_receipt_without_issues_and_replacing_an_earlier_one(workspace: Workspace) -> None:
    first = record_return(workspace, "csc", T0)
    second = record_return(workspace, "csc", T0 + dt.timedelta(days=1))
    partnership = workspace.partnership()
    catalogue = load_catalogue(workspace.audits_dir, partnership)
    text = render_receipt(second, partnership, catalogue.get("fathers-2026"), first.received_at)
    assert "Status:        Accepted\n" in text
    assert "(replaces the return received 01 December 2026" in text
    assert "Nothing: every required answer was there and could be read. Thank you." in text


def test_receipt_actions(workspace: Workspace) -> None:
    import dataclasses

    stored = record_return(workspace, "police", T0, audit_id="domestic-abuse-2026")
    ret = dataclasses.replace(
        stored.data,
        actions=(Action("Train staff", "DI", "2027-01-31", "end Jan"), Action("Audit")),
        role="DI",
        completed_on="2026-12-01",
    )
    stored = dataclasses.replace(stored, data=ret)
    partnership = workspace.partnership()
    audit = load_catalogue(workspace.audits_dir, partnership).get("domestic-abuse-2026")
    text = render_receipt(stored, partnership, audit)
    assert (
        "ACTIONS YOUR AGENCY PROPOSED\n  1. Train staff\n     Owner: DI; target: 31 January 2027"
        in text
    )
    assert "Completed by:  A. Reviewer, DI, on 01 December 2026\n" in text
    assert "  2. Audit\n     Owner: (none given); target: (no target date)" in text


def test_characters_a_text_file_cannot_hold_are_replaced_visibly(workspace: Workspace) -> None:
    stored = record_return(workspace, "police", T0, answers=(Answer("1.3", "a\ud800b\x01c", "x"),))
    partnership = workspace.partnership()
    path = write_receipt(
        workspace, stored, partnership, load_catalogue(workspace.audits_dir, partnership)
    )
    assert "Answer: a\ufffdb\ufffdc" in path.read_text(encoding="utf-8-sig")


def test_issue_locations_are_not_repeated(workspace: Workspace) -> None:
    issues = (
        ReturnIssue("missing", "Case 1: question 2.2 has no answer.", "2.2", "1"),
        ReturnIssue("invalid", "Not a number.", "1.2", "3"),
    )
    stored = record_return(workspace, "police", T0, issues=issues)
    partnership = workspace.partnership()
    audit = load_catalogue(workspace.audits_dir, partnership).get("fathers-2026")
    text = render_receipt(stored, partnership, audit)
    assert "  1. Case 1: question 2.2 has no answer.\n" in text
    assert "  2. [case 3, question 1.2] Not a number.\n" in text


@given(
    st.text(alphabet=st.sampled_from("ab -\t\n\r\x0b\x0c\xa0.é"), max_size=90),
    st.sampled_from(["", "  ", "      "]),
    st.sampled_from(["", "   "]),
)
def test_short_lines_skip_textwrap_with_the_same_result(text: str, first: str, hang: str) -> None:
    expected = textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=first + hang)
    assert _fill(text, first, first + hang) == expected


@given(
    st.lists(st.text(alphabet="abcdefghij \xa0\u2003", min_size=1, max_size=30), max_size=40),
    st.sampled_from(["", "  ", "      "]),
    st.sampled_from(["", "   ", "          "]),
)
def test_long_plain_text_wraps_as_textwrap_does(words: list[str], first: str, hang: str) -> None:
    text = " ".join(words)
    expected = textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=first + hang)
    assert _fill(text, first, first + hang) == expected
