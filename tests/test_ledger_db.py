"""The ledger's connections: kept open for the main thread's next block, never stale or shared."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading

import pytest

from pipeline.errors import WorkspaceError
from pipeline.ledger import open_ledger
from pipeline.ledger_db import ledger_connection
from pipeline.workspace import Workspace


def _dirty(workspace: Workspace) -> list[str]:
    with open_ledger(workspace) as ledger:
        return ledger.dirty_audits()


def test_the_main_thread_keeps_its_connection_between_blocks(workspace: Workspace) -> None:
    workspace.ensure_private_dirs()
    with ledger_connection(workspace.ledger_path) as first:
        pass
    with ledger_connection(workspace.ledger_path) as second:
        # Still open and usable: a closed connection would raise here.
        assert second.execute("SELECT count(*) FROM files").fetchone()[0] == 0
    assert second is first


def test_a_nested_block_and_another_thread_get_connections_of_their_own(
    workspace: Workspace,
) -> None:
    workspace.ensure_private_dirs()
    seen: list[sqlite3.Connection] = []

    def other() -> None:
        with ledger_connection(workspace.ledger_path) as conn:
            seen.append(conn)

    with ledger_connection(workspace.ledger_path) as outer:
        with ledger_connection(workspace.ledger_path) as inner:
            assert inner is not outer
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert outer.execute("SELECT 1").fetchone()[0] == 1
    assert seen and seen[0] is not outer
    with pytest.raises(sqlite3.ProgrammingError):
        inner.execute("SELECT 1")  # closed when its block ended, as before
    with ledger_connection(workspace.ledger_path) as again:
        assert again is outer


def test_what_another_connection_writes_is_seen(workspace: Workspace) -> None:
    assert _dirty(workspace) == []
    with sqlite3.connect(workspace.ledger_path) as conn:
        conn.execute("INSERT INTO dirty VALUES ('from-elsewhere')")
    conn.close()
    assert _dirty(workspace) == ["from-elsewhere"]


def test_a_deleted_ledger_is_made_again_not_written_through_the_old_connection(
    workspace: Workspace,
) -> None:
    with open_ledger(workspace) as ledger:
        ledger.mark_dirty("before")
    shutil.rmtree(workspace.private)
    with open_ledger(workspace) as ledger:
        ledger.mark_dirty("after")
    with sqlite3.connect(workspace.ledger_path) as conn:
        rows = [r[0] for r in conn.execute("SELECT audit_id FROM dirty")]
    conn.close()
    assert rows == ["after"]


def test_a_failing_block_closes_the_kept_connection(workspace: Workspace) -> None:
    with pytest.raises(RuntimeError), open_ledger(workspace) as ledger:
        kept = ledger._conn
        raise RuntimeError("boom")
    with pytest.raises(sqlite3.ProgrammingError):
        kept.execute("SELECT 1")
    assert _dirty(workspace) == []


def test_a_newer_schema_written_meanwhile_is_still_refused(workspace: Workspace) -> None:
    assert _dirty(workspace) == []
    with sqlite3.connect(workspace.ledger_path) as conn:
        conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.close()
    with pytest.raises(WorkspaceError, match="newer qap"), open_ledger(workspace):
        pass


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_opens_its_own_connection(workspace: Workspace) -> None:
    with open_ledger(workspace) as ledger:
        ledger.mark_dirty("parent")
        parents = ledger._conn
    pid = os.fork()
    if pid == 0:  # the child: must not write through the parent's connection
        code = 1
        try:
            with open_ledger(workspace) as ledger:
                ledger.mark_dirty("child")
                code = 0 if ledger._conn is not parents else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert _dirty(workspace) == ["child", "parent"]
