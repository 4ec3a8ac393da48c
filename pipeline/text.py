"""Text helpers shared by every stage: the one XML sanitiser, and one textwrap-equivalent fill."""

from __future__ import annotations

import re
import textwrap

# Shown where a character had to go, so a reader sees that the answer was altered.
REPLACEMENT = "\ufffd"
# XML 1.0 cannot hold C0 controls other than tab, LF and CR, nor U+FFFE/U+FFFF; lone surrogates
# cannot be encoded at all. lxml, python-docx and openpyxl refuse some of these, strip others
# without a word, or fail only mid-save, so every writer replaces them here first. A character
# class (not a pattern) so that callers can add characters of their own to it.
XML_ILLEGAL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff"
XML_ILLEGAL = re.compile(f"[{XML_ILLEGAL_CHARS}]")
# textwrap replaces these and splits its chunks at ASCII white space only...
_NOT_SPACE = re.compile(r"[\t\n\x0b\x0c\r]")
# ... and breaks a line at hyphens too, which matters only where a text needs more than one line.
_NOT_PLAIN = re.compile(r"[\t\n\x0b\x0c\r-]")
_CHUNKS = re.compile(r" +|[^ ]+")


def xml_safe(text: str) -> tuple[str, int]:
    """The text with every character XML cannot hold replaced by U+FFFD, and how many were."""
    return XML_ILLEGAL.subn(REPLACEMENT, text)


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """`textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest)`, cheaper.

    Text without tabs or line breaks that fits on one line is that line (a hyphen only decides
    where a longer text breaks). For plain text (no tab, line break or hyphen, no chunk too long
    for a line) textwrap's chunks are runs of spaces and runs of anything else, and its
    algorithm is the greedy fill below; anything else goes to textwrap itself. Receipts and the
    tracker's row heights wrap thousands of lines a run, and textwrap's regular expressions
    were most of their cost.
    """
    if not text:
        return []
    if len(first) + len(text) <= width and not text[-1].isspace() and not _NOT_SPACE.search(text):
        return [first + text]  # one line, with nothing at its end for textwrap to drop
    if _NOT_PLAIN.search(text):
        return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest)
    chunks = _CHUNKS.findall(text)
    if max(map(len, chunks)) > width - max(len(first), len(rest)):
        return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest)
    lines: list[str] = []
    at = 0
    while at < len(chunks):
        indent = rest if lines else first
        # Like textwrap, drop a chunk str.strip() empties where a later line would start...
        if lines and not chunks[at].strip():
            at += 1
        line: list[str] = []
        used = len(indent)
        while at < len(chunks) and used + len(chunks[at]) <= width:
            line.append(chunks[at])
            used += len(chunks[at])
            at += 1
        # ... or where any line ends, and keep a line only if something is left on it.
        if line and not line[-1].strip():
            line.pop()
        if line:
            lines.append(indent + "".join(line))
    return lines
