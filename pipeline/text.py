"""Text from returns made safe for XML: one sanitiser for every writer."""

from __future__ import annotations

import re

# Shown where a character had to go, so a reader sees that the answer was altered.
REPLACEMENT = "\ufffd"
# XML 1.0 cannot hold C0 controls other than tab, LF and CR, nor U+FFFE/U+FFFF; lone surrogates
# cannot be encoded at all. lxml, python-docx and openpyxl refuse some of these, strip others
# without a word, or fail only mid-save, so every writer replaces them here first. A character
# class (not a pattern) so that callers can add characters of their own to it.
XML_ILLEGAL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff"
XML_ILLEGAL = re.compile(f"[{XML_ILLEGAL_CHARS}]")


def xml_safe(text: str) -> tuple[str, int]:
    """The text with every character XML cannot hold replaced by U+FFFD, and how many were."""
    return XML_ILLEGAL.subn(REPLACEMENT, text)
