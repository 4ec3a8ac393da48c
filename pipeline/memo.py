"""Process-wide memos: pure functions of short strings, and values kept per live object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

# Answers, labels, headings and titles repeat within a return and across returns ("Yes",
# "Question"): strings up to this long are judged once per process; longer text is never kept.
CACHED_LENGTH = 200
K = TypeVar("K")
R = TypeVar("R")


class _ShortTexts(dict[str, R]):
    """The kept judgements of one function; a miss judges the text and keeps it when short."""

    def __init__(self, function: Callable[[str], R], size: int) -> None:
        super().__init__()
        self.function = function
        self.size = size

    def __missing__(self, text: str) -> R:
        value = self.function(text)
        if len(text) <= CACHED_LENGTH:
            # Starting afresh when full (not least-recently-used) keeps a hit a bare dict lookup.
            if len(self) >= self.size:
                self.clear()
            self[text] = value
        return value


def short_text_cache(function: Callable[[str], R], size: int = 4096) -> Callable[[str], R]:
    """Memoise a pure function of one string, for short strings only (up to `size` of them)."""
    # The dict's own __getitem__ is the memo: a hit is one C-level lookup, with no Python
    # frame (a wrapper around lru_cache cost three times as much per call, on every cell).
    return _ShortTexts(function, size).__getitem__


class PerObject(Generic[K, R]):
    """A value made from an object once and kept while that very object is in use.

    Definitions and catalogues are loaded once per process until their files change, so a
    value derived from one (a question matcher, a memo of title lines) can be kept with it.
    Keyed by identity, not equality: hashing a whole definition would cost what is saved.
    """

    def __init__(self, make: Callable[[K], R], limit: int) -> None:
        self._make = make
        self._limit = limit
        self._kept: dict[int, tuple[K, R]] = {}

    def get(self, owner: K) -> R:
        """The value for `owner`, made now if it has none yet."""
        entry = self._kept.get(id(owner))
        # The entry holds its owner, so an id cannot be reused while the entry stands.
        if entry is None or entry[0] is not owner:
            if len(self._kept) >= self._limit:
                self._kept.clear()
            entry = self._kept[id(owner)] = (owner, self._make(owner))
        return entry[1]
