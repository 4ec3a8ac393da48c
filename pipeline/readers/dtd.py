"""Whether an XML part declares a DTD, reading only its prolog (what comes before the root element).

A document type declaration, and with it every entity declaration, can only stand in the
prolog: after the root element starts, `<!DOCTYPE` is not well-formed, and an entity reference
without a declared DTD is an error, so lxml and expat fail closed on it. Reading up to the root
element is therefore enough, and a 400 kB styles part costs its first few hundred bytes.
The prolog is read as text in the part's own encoding; a part in an encoding this module cannot
decode is searched whole for the byte patterns instead (the documented fallback).
"""

from __future__ import annotations

import codecs
import io
import re
from typing import IO

# A prolog is a few hundred bytes: the first read is small, so a 400 kB part inflates 1 kB.
HEAD = 1 << 10
# Enough for the prolog Office writes (declaration, then the root element's name): inflating
# this much first settles most parts at half the cost of inflating HEAD. A verdict on a prefix
# is the verdict on the whole head (prolog_verdict only judges complete prolog items).
GLANCE = 160
CHUNK = 1 << 14
UTF32 = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\x00\x00\x00<", b"<\x00\x00\x00")
# Decoded with latin-1 (one character a byte), these keep every ASCII character as itself and
# turn every other byte into a character above 0x7f, which is never markup.
ASCII_COMPATIBLE = {
    "utf-8",
    "utf8",
    "us-ascii",
    "ascii",
    "iso-8859-1",
    "latin1",
    "latin-1",
    "windows-1252",
    "cp1252",
}
DECLARED = re.compile(r"^<\?xml\s[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
MARKERS = ("<!doctype", "<!entity")
WIDTH = len(MARKERS[0])
BYTE_MARKERS = tuple(
    marker.encode(codec) for marker in MARKERS for codec in ("ascii", "utf-16-le", "utf-16-be")
)
# Whitespace, processing instructions and complete comments: what a prolog may hold before the
# root element or a DTD. One character a repetition, so a failed match never backtracks far.
PROLOG_ITEMS = re.compile(r"(?:\s|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)
# What Word, Excel, LibreOffice and python-docx write: a UTF-8 declaration, then the root
# element. Matched on the bytes, it settles nine parts in ten without decoding anything.
OFFICE_PROLOG = re.compile(
    rb"(?:\xef\xbb\xbf)?<\?xml version=([\"'])1\.0\1 encoding=([\"'])utf-8\2"
    rb"(?: standalone=([\"'])(?:yes|no)\3)? ?\?>[ \t\r\n]*<[A-Za-z_]",
    re.IGNORECASE,
)
# What openpyxl writes: no declaration, the root element first. The root and the seven
# characters the general path below needs to see before it settles the part, on the bytes.
BARE_ROOT = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<[A-Za-z_].{6}", re.DOTALL)


def declares_dtd(stream: IO[bytes]) -> bool:
    """Whether the XML read from `stream` declares a DTD; reads no further than it must."""
    head = stream.read(HEAD)
    # The encoding is decided from the whole XML declaration, however long it was made.
    while _open_declaration(head) and (more := stream.read(CHUNK)):
        head += more
    encoding = _encoding(head)
    if encoding in ("latin-1", "utf-16", "utf-16-le", "utf-16-be"):
        return _Prolog(stream, encoding, head).has_dtd()
    # An encoding Office never writes: search the whole part for the byte patterns, and read
    # its prolog in the declared encoding too (UTF-7 hides "<" from any byte search).
    data = head + stream.read()
    if has_marker(data):
        return True
    if encoding is None:
        return False
    try:
        return _Prolog(io.BytesIO(), encoding, data).has_dtd()
    except LookupError:
        return False


def prolog_verdict(head: bytes) -> bool | None:
    """Whether a part's first bytes alone settle it: True (a DTD), False (the root element comes
    first), or None when `declares_dtd` must read the part as a stream.

    Only the common case is settled here: an ASCII-compatible encoding with the whole prolog in
    `head`. Anything else (UTF-16, an unfinished comment, a prolog longer than `head`) is None.
    """
    if OFFICE_PROLOG.match(head) or BARE_ROOT.match(head):
        return False
    if _encoding(head) != "latin-1":
        return None
    text = head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    items = PROLOG_ITEMS.match(text)
    at = items.end() if items else 0
    probe = text[at : at + WIDTH]
    if len(probe) < WIDTH:
        return None
    if probe.lower().startswith(MARKERS):
        return True
    if probe[0] == "<" and probe[1] not in "!?":
        return False
    return None


def has_marker(data: bytes) -> bool:
    """The fallback: whether `<!DOCTYPE` or `<!ENTITY` (ASCII or UTF-16) occurs anywhere in `data`."""
    lowered = data.lower()
    return any(marker in lowered for marker in BYTE_MARKERS)


def _open_declaration(head: bytes) -> bool:
    """Whether `head` starts an XML declaration (in an ASCII-compatible encoding) it does not end."""
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return start.startswith(b"<?xml") and b"?>" not in start


def _encoding(head: bytes) -> str | None:
    """How to read the prolog as text: from the byte order mark, else the declaration.

    "latin-1" stands for every encoding that writes ASCII as ASCII; None for an unknown one.
    """
    if head.startswith(UTF32):
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    if head.startswith(b"\x00<"):
        return "utf-16-be"
    text = head.removeprefix(b"\xef\xbb\xbf").decode("latin-1").lstrip(" \t\r\n")
    if not text.startswith("<") or _open_declaration(head):
        return None
    declared = DECLARED.match(text)
    if declared is None or declared.group(1).lower() in ASCII_COMPATIBLE:
        return "latin-1"
    return declared.group(1)


class _Prolog:
    """Walks the prolog (declaration, processing instructions, comments) up to the root element."""

    def __init__(self, stream: IO[bytes], encoding: str, head: bytes) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.done = False
        self.text = ""
        self._add(head)

    def _add(self, chunk: bytes) -> None:
        self.done = not chunk
        self.text += self.decoder.decode(chunk, final=self.done)

    def _more(self) -> bool:
        """Read and decode the next chunk; False at the end of the part."""
        if self.done:
            return False
        self._add(self.stream.read(CHUNK))
        return True

    def _find(self, what: str, start: int) -> int:
        """Where `what` next occurs from `start`, or -1; text before `start` may be dropped."""
        while (found := self.text.find(what, start)) < 0:
            # Keep only what a match could still begin in, so a long comment costs linear time.
            self.text = self.text[max(start, len(self.text) - len(what) + 1) :]
            start = 0
            if not self._more():
                return -1
        return found

    def has_dtd(self) -> bool:
        """True at a `<!DOCTYPE` or `<!ENTITY` before the root element; False at the root."""
        at = 0
        while (at := self._find("<", at)) >= 0:
            while len(self.text) < at + WIDTH and self._more():
                pass
            if self.text.startswith("<?", at):
                end, skip = self._find("?>", at + 2), 2
            elif self.text.startswith("<!--", at):
                end, skip = self._find("-->", at + 4), 3
            else:
                # The root element, or something malformed that the parser will refuse.
                return self.text[at : at + WIDTH].lower().startswith(MARKERS)
            if end < 0:
                return False
            at = end + skip
        return False
