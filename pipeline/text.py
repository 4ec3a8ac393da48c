"""Text helpers shared by every stage: the one XML sanitiser, and a memo for pure string functions."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TypeVar

# Shown where a character had to go, so a reader sees that the answer was altered.
REPLACEMENT = "\ufffd"
# XML 1.0 cannot hold C0 controls other than tab, LF and CR, nor U+FFFE/U+FFFF; lone surrogates
# cannot be encoded at all. lxml, python-docx and openpyxl refuse some of these, strip others
# without a word, or fail only mid-save, so every writer replaces them here first. A character
# class (not a pattern) so that callers can add characters of their own to it.
XML_ILLEGAL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff"
XML_ILLEGAL = re.compile(f"[{XML_ILLEGAL_CHARS}]")
# Answers, labels and headings repeat within a return and across returns ("Yes", "Question"):
# strings up to this long are judged once per process; longer text is never kept.
CACHED_LENGTH = 200
R = TypeVar("R")


def xml_safe(text: str) -> tuple[str, int]:
    """The text with every character XML cannot hold replaced by U+FFFD, and how many were."""
    return XML_ILLEGAL.subn(REPLACEMENT, text)


def short_text_cache(function: Callable[[str], R]) -> Callable[[str], R]:
    """Memoise a pure function of one string, for short strings only."""
    cached = functools.lru_cache(maxsize=4096)(function)

    @functools.wraps(function)
    def call(text: str) -> R:
        return cached(text) if len(text) <= CACHED_LENGTH else function(text)

    return call
