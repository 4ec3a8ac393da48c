"""The registry's per-row memory read and kept: rows as last read (row_reads) and rows settled
when last merged (row_settled), in full or for the few rows an update still reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping

from pipeline.tracker.state import Settled

# SQLite takes at most 32,766 values a statement; fewer per query keeps each plan small.
_CHUNK = 900


def some_rows(
    conn: sqlite3.Connection, query: str, keys: Iterable[object]
) -> list[tuple[object, ...]]:
    """Rows of `query` (ending in `IN (`) for these keys, a chunk of keys a statement."""
    wanted = list(dict.fromkeys(keys))
    found: list[tuple[object, ...]] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found += conn.execute(query + ",".join("?" * len(chunk)) + ")", chunk).fetchall()
    return found


def row_reads(
    conn: sqlite3.Connection, digests: Iterable[bytes] | None = None
) -> dict[bytes, str | None]:
    """Tracker rows as last read (their values as one text, see sheet_read), by the digest of
    what they were read from: all of them, or those with these digests."""
    if digests is None:
        return dict(conn.execute("SELECT digest, vals FROM row_reads").fetchall())
    query = "SELECT digest, vals FROM row_reads WHERE digest IN ("
    return dict(some_rows(conn, query, digests))  # type: ignore[arg-type]


def row_read_count(conn: sqlite3.Connection) -> int:
    """How many rows row_reads holds."""
    (count,) = conn.execute("SELECT COUNT(*) FROM row_reads").fetchone()
    return int(count)


def keep_row_reads(
    conn: sqlite3.Connection,
    read_now: Mapping[bytes, str | None],
    current: Collection[bytes],
    stored: int,
) -> None:
    """Store rows read this time; once rows no longer in the sheet outnumber those in it,
    keep only the sheet's (`stored`: how many rows the table held when read)."""
    fresh = list(read_now.items())
    prune = stored + len(fresh) > 2 * len(current) + 64
    if not fresh and not prune:
        # Even an empty write transaction costs a commit (tens of ms on a busy disk).
        return
    with conn:
        if prune:
            kept = conn.execute("SELECT digest, vals FROM row_reads").fetchall()
            wanted = set(current)
            conn.execute("DELETE FROM row_reads")
            fresh += [(digest, vals) for digest, vals in kept if digest in wanted]
        conn.executemany("INSERT OR REPLACE INTO row_reads (digest, vals) VALUES (?, ?)", fresh)


def settled(conn: sqlite3.Connection, refs: Iterable[str] | None = None) -> dict[str, Settled]:
    """Rows as qap last merged them, by ref (see Settled): all of them, or these refs'."""
    query = "SELECT ref, digest, offer, first_day, last_day FROM row_settled"
    make = Settled._make
    # One list fetched and sliced: a third cheaper than unpacking each of 5,000 rows.
    rows = (
        conn.execute(query).fetchall()
        if refs is None
        else some_rows(conn, query + " WHERE ref IN (", refs)
    )
    return {row[0]: make(row[1:]) for row in rows}  # type: ignore[misc]
