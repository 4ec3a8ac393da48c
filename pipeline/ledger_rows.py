"""How the ledger's rows become qap's records and back: JSON columns and UTC times."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, TypeVar

from pipeline.model import (
    Action,
    Answer,
    AuditReturn,
    CaseReturn,
    Identification,
    RawUpdate,
    ReturnIssue,
    StoredReturn,
)


@dataclass(frozen=True)
class NewFile:
    """What intake knows about a file before the ledger records it."""

    token: str
    sha256: str
    original_name: str
    received_at: dt.datetime
    size: int
    outcome: str
    stored_path: str
    reason: str = ""
    advice: str = ""
    messages: tuple[str, ...] = ()
    audit_id: str | None = None
    agency_key: str | None = None


@dataclass(frozen=True)
class FileRecord(NewFile):
    """A file that entered the inbox: what it was, what happened to it and where it is kept."""

    file_id: int = 0
    placed: bool = False


def utc_now() -> dt.datetime:
    """The current time in UTC, as the ledger stores times."""
    return dt.datetime.now(dt.UTC)


def time_text(value: dt.datetime) -> str:
    """A time as the ledger stores it: fixed-width UTC text."""
    # Fixed-width UTC text sorts in time order inside SQLite.
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> dt.datetime:
    """A time the ledger stored, back as an aware UTC datetime."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def to_json(value: Any) -> str:
    """JSON of plain values and model records (each record as an object of its fields)."""
    # ensure_ascii keeps lone surrogates and control characters round-trippable through SQLite.
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), default=_fields_of)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """The names of a dataclass's fields, looked up once per class."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _fields_of(value: Any) -> dict[str, Any]:
    # What dataclasses.asdict gives, one level at a time: json.dumps walks the nesting itself.
    if is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in field_names(type(value))}
    raise TypeError(f"{type(value).__name__} is not stored in the ledger")


T = TypeVar("T")


def build_record(cls: type[T], data: dict[str, Any]) -> T:
    """A model record from its JSON: lists back to tuples; fields added since get their defaults."""
    names = field_names(cls)
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names})


def _answers(items: Iterable[dict[str, Any]]) -> tuple[Answer, ...]:
    return tuple(build_record(Answer, item) for item in items)


def decode_return(row: sqlite3.Row) -> AuditReturn:
    """A return from its row in `returns`."""
    return AuditReturn(
        audit_id=row["audit_id"],
        agency_key=row["agency_key"],
        identification=build_record(Identification, json.loads(row["identification"])),
        file_name=row["file_name"],
        style=row["style"],
        answers=_answers(json.loads(row["answers"])),
        cases=tuple(
            CaseReturn(index=c["index"], ref=c["ref"], answers=_answers(c["answers"]))
            for c in json.loads(row["cases"])
        ),
        actions=tuple(build_record(Action, a) for a in json.loads(row["actions"])),
        updates=tuple(build_record(RawUpdate, u) for u in json.loads(row["updates"])),
        completed_by=row["completed_by"],
        role=row["role"],
        completed_on=row["completed_on"],
        issues=tuple(build_record(ReturnIssue, i) for i in json.loads(row["issues"])),
        kind=row["kind"],
    )


def stored_return(row: sqlite3.Row) -> StoredReturn:
    """A row of `returns` with when and from which file it came."""
    return StoredReturn(
        return_id=row["id"],
        sha256=row["sha256"],
        received_at=parse_time(row["received_at"]),
        current=bool(row["current"]),
        data=decode_return(row),
    )


def file_record(row: sqlite3.Row) -> FileRecord:
    """A row of `files` as a FileRecord."""
    data = dict(row)
    data.update(
        file_id=data.pop("id"),
        received_at=parse_time(data["received_at"]),
        messages=tuple(json.loads(data["messages"])),
        placed=bool(data["placed"]),
    )
    return FileRecord(**data)
