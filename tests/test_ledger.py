"""The ledger: faithful storage of returns, supersession, history, duplicates and updates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import WorkspaceError
from pipeline.ledger import ACCEPTED, DUPLICATE, QUARANTINED, open_ledger
from pipeline.ledger_rows import NewFile
from pipeline.model import (
    UPDATE_FORM,
    Action,
    Answer,
    AuditReturn,
    CaseReturn,
    Identification,
    RawUpdate,
    ReturnIssue,
)
from pipeline.workspace import Workspace

T0 = dt.datetime(2026, 10, 1, 9, 30, tzinfo=dt.UTC)


def sample_return(agency: str = "police", audit: str = "domestic-abuse-2026") -> AuditReturn:
    """A return with every kind of field filled, including awkward text."""
    return AuditReturn(
        audit_id=audit,
        agency_key=agency,
        identification=Identification(
            audit, agency, "signed form", "valid", ("form identity",), ("labels disagree",)
        ),
        file_name="DA audit – police.docx",
        style="qap-form",
        answers=(
            Answer("q1", "Yes", "yes"),
            Answer("q2", None, ""),
            Answer("q3", '=HYPERLINK("x")', '=HYPERLINK("x")\n\tline two \ud800 \x01'),
        ),
        cases=(
            CaseReturn(1, "C-001", (Answer("c1", "2026-05-01", "1/5/26"),)),
            CaseReturn(2, "", ()),
        ),
        actions=(Action("Train staff", "DI Smith", "2027-01-31", "end of Jan"), Action("Audit")),
        completed_by="A. Person",
        role="DI",
        completed_on="2026-09-30",
        issues=(ReturnIssue("missing", "Question 2 was not answered.", "q2", None),),
    )


def new_file(token: str, sha: str, when: dt.datetime = T0, outcome: str = ACCEPTED) -> NewFile:
    return NewFile(token, sha, "return.docx", when, 1234, outcome, f"archive/{token}.docx")


def test_round_trip_is_faithful(workspace: Workspace) -> None:
    ret = sample_return()
    with open_ledger(workspace) as ledger:
        record = ledger.record(new_file("t1", "a" * 64), ret)
        stored = ledger.return_for_file(record.file_id)
        current = ledger.current_returns("domestic-abuse-2026")
    assert stored is not None
    assert stored.data == ret
    assert stored.received_at == T0
    assert stored.sha256 == "a" * 64
    assert [c.data for c in current] == [ret]


def test_later_return_supersedes_and_history_keeps_both(workspace: Workspace) -> None:
    first, second = sample_return(), dataclasses.replace(sample_return(), completed_by="B")
    with open_ledger(workspace) as ledger:
        ledger.record(new_file("t1", "a" * 64), first)
        ledger.record(new_file("t2", "b" * 64, T0 + dt.timedelta(hours=1)), second)
        current = ledger.current_returns()
        history = ledger.history("domestic-abuse-2026", "police")
    assert [c.data.completed_by for c in current] == ["B"]
    assert [(h.data.completed_by, h.current) for h in history] == [
        ("A. Person", False),
        ("B", True),
    ]


def test_an_older_return_recorded_late_does_not_become_current(workspace: Workspace) -> None:
    with open_ledger(workspace) as ledger:
        ledger.record(new_file("t2", "b" * 64, T0 + dt.timedelta(hours=1)), sample_return())
        old = dataclasses.replace(sample_return(), completed_by="older")
        ledger.record(new_file("t1", "a" * 64, T0), old)
        current = ledger.current_returns()
    assert [c.data.completed_by for c in current] == ["A. Person"]


def test_duplicates_and_quarantined_files_are_not_returns(workspace: Workspace) -> None:
    with open_ledger(workspace) as ledger:
        ledger.record(new_file("t1", "a" * 64), sample_return())
        ledger.record(new_file("t2", "a" * 64, outcome=DUPLICATE))
        ledger.record(new_file("t3", "c" * 64, outcome=QUARANTINED))
        assert len(ledger.current_returns()) == 1
        assert [f.outcome for f in ledger.files()] == [ACCEPTED, DUPLICATE, QUARANTINED]
        accepted = ledger.accepted_file("a" * 64)
        assert accepted is not None and accepted.token == "t1"
        assert ledger.accepted_file("c" * 64) is None


def test_updates_accumulate_oldest_first(workspace: Workspace) -> None:
    def update(ref: str) -> AuditReturn:
        return dataclasses.replace(
            sample_return(audit="tracker-updates"),
            kind=UPDATE_FORM,
            updates=(RawUpdate(ref, "Done"),),
        )

    with open_ledger(workspace) as ledger:
        ledger.record(new_file("t2", "b" * 64, T0 + dt.timedelta(days=1)), update("R2"))
        ledger.record(new_file("t1", "a" * 64, T0), update("R1"))
        updates = ledger.update_returns()
        assert ledger.current_returns() == []
    assert [u.data.updates[0].ref for u in updates] == ["R1", "R2"]
    assert all(u.current for u in updates)


def test_placed_and_dirty_bookkeeping(workspace: Workspace) -> None:
    with open_ledger(workspace) as ledger:
        record = ledger.record(new_file("t1", "a" * 64), sample_return())
        assert [f.token for f in ledger.unplaced()] == ["t1"]
        ledger.mark_placed(record.file_id)
        assert ledger.unplaced() == []
        # Only that one note is left to recovery after a power cut: later records are durable.
        assert ledger._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert ledger.dirty_audits() == ["domestic-abuse-2026"]
        ledger.clear_dirty(["domestic-abuse-2026"])
        assert ledger.dirty_audits() == []


def test_ledger_is_private_and_in_wal_mode(workspace: Workspace) -> None:
    with open_ledger(workspace):
        pass
    mode = stat.S_IMODE(workspace.ledger_path.stat().st_mode)
    assert mode == 0o600
    conn = sqlite3.connect(workspace.ledger_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_newer_schema_is_refused(workspace: Workspace) -> None:
    with open_ledger(workspace):
        pass
    conn = sqlite3.connect(workspace.ledger_path)
    conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceError, match="newer qap"), open_ledger(workspace):
        pass


def test_a_table_missing_from_an_existing_ledger_is_created(workspace: Workspace) -> None:
    with open_ledger(workspace):
        pass
    conn = sqlite3.connect(workspace.ledger_path)
    conn.execute("DROP TABLE dirty")
    conn.commit()
    conn.close()
    with open_ledger(workspace):
        pass
    conn = sqlite3.connect(workspace.ledger_path)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "dirty" in tables


def test_damaged_ledger_names_the_fix(workspace: Workspace) -> None:
    workspace.ensure_private_dirs()
    workspace.ledger_path.write_bytes(b"this is not a database" * 100)
    with (
        pytest.raises(WorkspaceError, match=r"damaged.*archive/ and quarantine/"),
        open_ledger(workspace),
    ):
        pass


text = st.text(max_size=30)
answers = st.tuples(*[st.builds(Answer, text, st.none() | text, text)] * 2)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=answers,
    issues=st.lists(
        st.builds(ReturnIssue, text, text, st.none() | text, st.none() | text), max_size=3
    ),
    completed_on=st.none() | text,
)
def test_any_return_round_trips(
    workspace: Workspace,
    answers: tuple[Answer, ...],
    issues: list[ReturnIssue],
    completed_on: str | None,
) -> None:
    ret = dataclasses.replace(
        sample_return(), answers=answers, issues=tuple(issues), completed_on=completed_on
    )
    with open_ledger(workspace) as ledger:
        token = f"t{len(ledger.files())}"
        record = ledger.record(new_file(token, token.ljust(64, "0")), ret)
        stored = ledger.return_for_file(record.file_id)
    assert stored is not None and stored.data == ret


def test_previous_return_is_the_last_earlier_one_in_history(workspace: Workspace) -> None:
    update = dataclasses.replace(sample_return(), kind=UPDATE_FORM, completed_by="update")
    sent = [
        ("t1", T0, sample_return()),
        ("t2", T0 + dt.timedelta(hours=1), dataclasses.replace(sample_return(), completed_by="B")),
        ("t3", T0 + dt.timedelta(hours=2), update),
        ("t4", T0 + dt.timedelta(hours=3), sample_return(agency="health")),
        ("t5", T0 + dt.timedelta(hours=4), dataclasses.replace(sample_return(), completed_by="C")),
    ]
    with open_ledger(workspace) as ledger:
        for token, when, ret in sent:
            ledger.record(new_file(token, token * 16, when), ret)
        history = ledger.history("domestic-abuse-2026", "police")
        for stored in history:
            # What intake used to work out from the whole history, for every point in it.
            earlier = [
                h.received_at
                for h in history
                if h.received_at < stored.received_at and h.data.kind != UPDATE_FORM
            ]
            when = ledger.previous_received_at("domestic-abuse-2026", "police", stored.received_at)
            assert when == (earlier[-1] if earlier else None)
        last = ledger.previous_received_at(
            "domestic-abuse-2026", "police", T0 + dt.timedelta(days=1)
        )
    # t5, the last return sent (t4 was another agency's, t3 a progress update).
    assert last == T0 + dt.timedelta(hours=4)


def test_the_return_handed_back_on_recording_is_the_one_read_back(workspace: Workspace) -> None:
    with open_ledger(workspace) as ledger:
        ledger.record(new_file("t0", "c" * 64, T0 - dt.timedelta(days=1)), sample_return())
        record, stored = ledger.record_accepted(new_file("t1", "a" * 64), sample_return())
        assert stored == ledger.return_for_file(record.file_id)
        assert stored.current and stored.return_id == 2


def test_the_file_record_handed_back_on_recording_is_the_one_read_back(
    workspace: Workspace,
) -> None:
    local = dt.timezone(dt.timedelta(hours=1))
    new = dataclasses.replace(
        new_file("t1", "a" * 64, T0.astimezone(local), outcome=QUARANTINED),
        reason="why",
        advice="what",
        messages=("tried \ud800 this", "and that"),
    )
    with open_ledger(workspace) as ledger:
        first = ledger.record(new_file("t0", "b" * 64), sample_return())
        record = ledger.record(new)
        assert first == ledger.file_by_token("t0")
        assert record == ledger.file_by_token("t1")
    assert record.received_at.tzinfo is dt.UTC and record.file_id == 2 and not record.placed
