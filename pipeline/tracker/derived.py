"""qap's rows derived from a return, remembered per (audit, agency) while it is that pair's only one.

A return the ledger stores never changes: an agency's correction arrives as a new file, so a new
return with its own id and hash that supersedes the old. The rows derived from a return are
therefore remembered under a stamp of the return's id, hash and the few facts they are built
from (file name, date received, number of actions, the audit's and agency's settings), and reused
while the same return is still the only current one for its (audit, agency).

Why only while it is the only one: a return's refs come from the refs issued for its
(audit, agency), and only deriving that pair's returns changes those (a reworded action moves
an old ref, a new action issues one). Deriving a lone return again, with the refs as its own
derivation left them, gives the same rows; with two returns for one pair the later one may move
a ref the earlier one uses, so such pairs are always derived afresh and their memory dropped.
Each fresh derivation of a pair replaces its memory in the same commit as the refs it issued.

The stamp trusts the ledger's promise that an id and hash name one return's content: a caller
who changed a return's actions in place, keeping its id, hash, file name and number of actions,
would get the rows of the old actions (tests model a correction as a new return).
"""

from __future__ import annotations

import logging
import marshal
import sqlite3
from collections.abc import Sequence

from pipeline.model import StoredReturn
from pipeline.tracker.records import QapRow

log = logging.getLogger(__name__)

# Bumped whenever the rows derived from a return would come out differently.
VERSION = "3"
# The columns of a row derived from a return's action, in the order they are offered.
ACTION_KEYS = (
    "ref",
    "audit",
    "source",
    "text",
    "lead_agency",
    "owner",
    "raised",
    "target",
    "status",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS derived_rows (
    owner TEXT PRIMARY KEY,
    stamp TEXT NOT NULL,
    rows BLOB NOT NULL
)
"""

Owner = tuple[str, str]
# One derived row as remembered: ref, values in ACTION_KEYS order, notes by column, and the
# digest of its values (merge.offer_digest).
Entry = tuple[str, tuple[str, ...], dict[str, tuple[str, ...]], str]


def stamp(stored: StoredReturn, settings: Sequence[str]) -> str:
    """What a return's derived rows depend on besides the refs (see the module's docstring)."""
    data = stored.data
    facts = (
        VERSION,
        str(stored.return_id),
        stored.sha256,
        stored.received_at.isoformat(),
        data.file_name,
        str(len(data.actions)),
        *settings,
    )
    return "\x1f".join(facts)


def _unreadable() -> bool:
    raise ValueError("a remembered row without every column")


def _key(owner: Owner) -> str:
    return f"{owner[0]}\x1f{owner[1]}"


class DerivedMemo:
    """The stamps remembered per (audit, agency), read once, and their rows when asked for;
    changes kept until store()."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.execute(SCHEMA)
        # Only the stamps: most pairs are skipped (see owner_memo) or derived afresh, so their
        # rows (a megabyte for 5,000) would be read for nothing.
        self.known: dict[str, str] = dict(conn.execute("SELECT owner, stamp FROM derived_rows"))
        self.kept: dict[str, tuple[str, bytes] | None] = {}

    def holds(self, owner: Owner, stamp_: str) -> bool:
        """Whether rows are remembered for the pair's lone return with this stamp."""
        return self.known.get(_key(owner)) == stamp_

    def rows(self, owner: Owner, stamp_: str, source: str) -> list[QapRow] | None:
        """The rows remembered for the pair's lone return with this stamp, else None."""
        key = _key(owner)
        if self.known.get(key) != stamp_:
            return None
        query = "SELECT rows FROM derived_rows WHERE owner = ? AND stamp = ?"
        found = self.conn.execute(query, (key, stamp_)).fetchone()
        try:
            # Stored as dicts in ACTION_KEYS order: marshal builds them in C, three times as fast
            # as zipping 5,000 rows' values into dicts here.
            stored: list[tuple[str, dict[str, str], dict[str, tuple[str, ...]], str]]
            stored = marshal.loads(found[0])
            # Shared by the rows: a QapRow's mappings are only read.
            sources = dict.fromkeys(ACTION_KEYS, source)
            return [
                QapRow(ref, values, sources, notes, offer)
                for ref, values, notes, offer in stored
                if len(values) == len(ACTION_KEYS) or _unreadable()
            ]
        except (ValueError, TypeError, EOFError):
            log.info("tracker: remembered rows of a return unreadable; derived afresh")
            return None

    def keep(self, owner: Owner, stamp_: str, entries: list[Entry]) -> None:
        """Remember the rows just derived from the pair's lone return."""
        stored = [
            (ref, dict(zip(ACTION_KEYS, values, strict=True)), notes, offer)
            for ref, values, notes, offer in entries
        ]
        self.kept[_key(owner)] = (stamp_, marshal.dumps(stored))

    def forget(self, owner: Owner) -> None:
        """Drop the pair's memory (it was derived afresh with more than one return)."""
        key = _key(owner)
        if key in self.known or key in self.kept:
            self.kept[key] = None

    def store(self) -> None:
        """Write the changes in the connection's open transaction (the caller commits)."""
        gone = [(owner,) for owner, kept in self.kept.items() if kept is None]
        self.conn.executemany("DELETE FROM derived_rows WHERE owner = ?", gone)
        self.conn.executemany(
            "INSERT OR REPLACE INTO derived_rows (owner, stamp, rows) VALUES (?, ?, ?)",
            [(owner, *kept) for owner, kept in self.kept.items() if kept is not None],
        )
        for owner, kept in self.kept.items():
            if kept is None:
                self.known.pop(owner, None)
            else:
                self.known[owner] = kept[0]
        self.kept.clear()
