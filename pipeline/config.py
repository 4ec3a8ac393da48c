"""The partnership's settings and agencies, read from a workspace's qap.toml."""

from __future__ import annotations

import re
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import WorkspaceError

AGENCY_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# A watcher or a batch asks for qap.toml once per file; parsing it is most of that cost.
_CACHE_SIZE = 8
_cache: dict[Path, tuple[bytes, Partnership]] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Agency:
    """One partner agency: the key qap uses, its name, and the names and addresses it comes by."""

    key: str
    name: str
    aliases: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    contact: str = ""

    def names(self) -> tuple[str, ...]:
        """Every name this agency is known by: its display name, aliases and key."""
        return (self.name, *self.aliases, self.key)


@dataclass(frozen=True)
class Settings:
    """Timings and paths a coordinator may change."""

    quiet_period_seconds: float = 5.0
    poll_interval_seconds: float = 30.0
    tracker: str = "outbox/tracker.xlsx"
    amber_days: int = 30


@dataclass(frozen=True)
class Partnership:
    """The partnership a workspace belongs to."""

    name: str
    short_name: str = ""
    coordinator: str = ""
    return_email: str = ""
    agencies: tuple[Agency, ...] = ()
    settings: Settings = field(default_factory=Settings)

    def agency(self, key: str) -> Agency | None:
        """The agency with this key, or None."""
        for agency in self.agencies:
            if agency.key == key:
                return agency
        return None

    def agency_keys(self) -> tuple[str, ...]:
        """Every agency key, in the order qap.toml lists them."""
        return tuple(a.key for a in self.agencies)


def load_partnership(path: Path) -> Partnership:
    """Read qap.toml; a mistake is reported with the file and the fix."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise WorkspaceError(f"{path} is missing. Run `qap init` to create it.") from None
    # Keyed by the bytes themselves (a few kB), not the mtime: an edit within the same clock
    # tick can never be missed. The records are frozen, so every caller may share one.
    with _cache_lock:
        hit = _cache.get(path)
    if hit is not None and hit[0] == content:
        return hit[1]
    partnership = _parse(path, content)
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[path] = (content, partnership)
    return partnership


def _parse(path: Path, content: bytes) -> Partnership:
    try:
        data = tomllib.loads(content.decode("utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(
            f"{path} is not valid TOML: {exc}. Check quotes and brackets on that line."
        ) from None
    part = data.get("partnership", {})
    if not isinstance(part, dict) or not part.get("name"):
        raise WorkspaceError(f'{path}: add a [partnership] table with name = "..."')
    agencies = tuple(_agency(path, i, raw) for i, raw in enumerate(data.get("agencies", [])))
    seen: set[str] = set()
    for agency in agencies:
        if agency.key in seen:
            raise WorkspaceError(
                f"{path}: agency key {agency.key!r} is listed twice; keys must be unique."
            )
        seen.add(agency.key)
    return Partnership(
        name=str(part["name"]),
        short_name=str(part.get("short_name", "")),
        coordinator=str(part.get("coordinator", "")),
        return_email=str(part.get("return_email", "")),
        agencies=agencies,
        settings=_settings(path, data.get("settings", {})),
    )


def _agency(path: Path, index: int, raw: object) -> Agency:
    if not isinstance(raw, dict) or "key" not in raw or "name" not in raw:
        raise WorkspaceError(f"{path}: agency number {index + 1} needs both key and name.")
    key = str(raw["key"])
    if not AGENCY_KEY.match(key):
        raise WorkspaceError(
            f"{path}: agency key {key!r} must be lowercase letters, digits and hyphens, like 'csc'."
        )
    return Agency(
        key=key,
        name=str(raw["name"]),
        aliases=tuple(str(a) for a in raw.get("aliases", [])),
        emails=tuple(str(e) for e in raw.get("emails", [])),
        contact=str(raw.get("contact", "")),
    )


def _settings(path: Path, raw: object) -> Settings:
    if not isinstance(raw, dict):
        raise WorkspaceError(f"{path}: [settings] must be a table.")
    try:
        return Settings(
            quiet_period_seconds=float(raw.get("quiet_period_seconds", 5)),
            poll_interval_seconds=float(raw.get("poll_interval_seconds", 30)),
            tracker=str(raw.get("tracker", "outbox/tracker.xlsx")),
            amber_days=int(raw.get("amber_days", 30)),
        )
    except (TypeError, ValueError):
        raise WorkspaceError(
            f"{path}: [settings] values must be numbers (seconds, days)."
        ) from None
