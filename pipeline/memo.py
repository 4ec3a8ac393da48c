"""Process-wide memos: pure functions of short strings, and values kept per live object."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Generic, TypeVar

# Answers, labels, headings and titles repeat within a return and across returns ("Yes",
# "Question"): strings up to this long are judged once per process; longer text is never kept.
CACHED_LENGTH = 200
K = TypeVar("K")
R = TypeVar("R")


def short_text_cache(function: Callable[[str], R], size: int = 4096) -> Callable[[str], R]:
    """Memoise a pure function of one string, for short strings only (the last `size` of them)."""
    cached = functools.lru_cache(maxsize=size)(function)

    @functools.wraps(function)
    def call(text: str) -> R:
        return cached(text) if len(text) <= CACHED_LENGTH else function(text)

    return call


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
