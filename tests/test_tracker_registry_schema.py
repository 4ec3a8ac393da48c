"""The registry's tables: an older qap's registry brought up to date once, by one process."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from pipeline.tracker import registry_schema
from pipeline.tracker.registry_schema import prepare

OLDER = """
CREATE TABLE row_state (ref TEXT PRIMARY KEY, offered TEXT NOT NULL, seen TEXT NOT NULL);
CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, ref TEXT NOT NULL,
    col TEXT NOT NULL, change TEXT NOT NULL, detail TEXT NOT NULL, source TEXT NOT NULL);
INSERT INTO row_state VALUES ('DA26-POL-02', '{}', '{}'), ('DA26-POL-01', '{"owner": "A"}', '{}');
INSERT INTO log (at, ref, col, change, detail, source)
    VALUES ('2027-02-15T10:00:00', 'DA26-POL-01', 'Owner', 'added', '', 'police.docx');
"""


def _older(tmp_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / "tracker.sqlite")
    conn.executescript(OLDER)
    return conn


def _layout(conn: sqlite3.Connection) -> tuple[str, list[str]]:
    (sql,) = conn.execute("SELECT sql FROM sqlite_schema WHERE name = 'row_state'").fetchone()
    return sql, [row[1] for row in conn.execute("PRAGMA table_info(log)")]


def test_an_older_registry_is_brought_up_to_date_keeping_every_row(tmp_path: Path) -> None:
    conn = _older(tmp_path)
    prepare(conn)
    sql, log_columns = _layout(conn)
    assert "WITHOUT ROWID" in sql and log_columns[-1] == "run"
    assert conn.execute("SELECT ref, offered FROM row_state").fetchall() == [
        ("DA26-POL-01", '{"owner": "A"}'),
        ("DA26-POL-02", "{}"),
    ]
    assert conn.execute("SELECT ref, run FROM log").fetchall() == [("DA26-POL-01", None)]
    prepare(conn)
    assert _layout(conn) == (sql, log_columns)


def test_an_upgrade_another_process_made_meanwhile_is_not_made_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.tracker.registry_schema")
    first, second = _older(tmp_path), sqlite3.connect(tmp_path / "tracker.sqlite")
    asked: list[bool] = []

    def stale_then_true() -> bool:
        # The second process looked before the first upgraded, then asks again under the lock.
        if not asked:
            asked.append(True)
            prepare(first)
            return True
        return "run" not in {row[1] for row in second.execute("PRAGMA table_info(log)")}

    registry_schema._upgrade(
        second, stale_then_true, ["ALTER TABLE log ADD COLUMN run INTEGER"], "log numbered"
    )
    assert [row[1] for row in second.execute("PRAGMA table_info(log)")].count("run") == 1
    # The first process's upgrade was logged; the second made none.
    assert "log lines numbered by run" in caplog.text and "log numbered" not in caplog.text
    assert not second.in_transaction


def test_a_failed_upgrade_leaves_the_registry_as_it_was(tmp_path: Path) -> None:
    conn = _older(tmp_path)
    before = _layout(conn)
    with pytest.raises(sqlite3.OperationalError):
        registry_schema._upgrade(
            conn,
            lambda: True,
            ["ALTER TABLE log ADD COLUMN run INTEGER", "SELECT * FROM no_such_table"],
            "broken",
        )
    assert _layout(conn) == before and not conn.in_transaction
