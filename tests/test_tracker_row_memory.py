"""The registry's per-row memory read for some rows equals the whole table's rows for them."""

from __future__ import annotations

import sqlite3

from pipeline.tracker import row_memory
from pipeline.tracker.registry import open_registry
from pipeline.tracker.state import Settled
from pipeline.workspace import Workspace


def _filled(conn: sqlite3.Connection, count: int) -> None:
    with conn:
        conn.executemany(
            "INSERT INTO row_reads (digest, vals) VALUES (?, ?)",
            [(n.to_bytes(16, "big"), None if n % 7 == 0 else f"v{n}") for n in range(count)],
        )
        conn.executemany(
            "INSERT INTO row_settled (ref, digest, offer, first_day, last_day) "
            "VALUES (?, ?, ?, ?, ?)",
            [(f"R{n}", n.to_bytes(16, "big"), f"3\x1d{n}", n, n + 9) for n in range(count)],
        )


def test_some_rows_read_as_the_whole_table_gives_them(workspace: Workspace) -> None:
    with open_registry(workspace) as registry:
        # More rows than one statement looks up, with repeats and keys not in the table.
        _filled(registry.conn, 2000)
        every = row_memory.row_reads(registry.conn)
        digests = [n.to_bytes(16, "big") for n in (*range(0, 2500, 2), 4, 4)]
        some = row_memory.row_reads(registry.conn, digests)
        assert some == {d: every[d] for d in digests if d in every}
        assert len(some) == 1000 and some[(14).to_bytes(16, "big")] is None
        assert row_memory.row_read_count(registry.conn) == 2000
        settled = registry.settled()
        refs = [f"R{n}" for n in range(0, 2100, 3)]
        assert row_memory.settled(registry.conn, refs) == {
            r: settled[r] for r in refs if r in settled
        }
        assert settled["R5"] == Settled((5).to_bytes(16, "big"), "3\x1d5", 5, 14)
