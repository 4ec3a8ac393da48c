"""A return's zip package opened once and shared by the pre-check, the identity and the reader.

Each part is decompressed at most once: small parts read whole are kept, so the package
relationships, custom properties and main part the pre-check reads cost the reader nothing.
The pre-check scans parts for a DTD through it (see dtd.py); a part that fails to decompress
or its checksum is reported as damaged, whichever stage reads it.
"""

from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from pipeline.errors import ReturnRejected
from pipeline.forms.identity import (
    CUSTOM_PART,
    MAX_PART_BYTES,
    PROPERTY_NAME,
    decode_identity,
    parse_custom_properties,
)
from pipeline.model import FormIdentity
from pipeline.readers.dtd import GLANCE, HEAD, declares_dtd, prolog_verdict
from pipeline.readers.zip_directory import KNOWN_NAMES, Part, decoded_names

log = logging.getLogger(__name__)

# Parts up to this size are kept once read; larger ones are streamed again if read twice.
KEEP_BYTES = 4_000_000
LOCAL_HEADER = b"PK\x03\x04"
# Compressed bytes fed to inflate for a part's first HEAD bytes (more than enough for XML).
HEAD_INPUT = 4 * HEAD
# What zipfile and zlib raise for a part whose bytes are not what its header promised...
CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError)
# ...and, around zip reads alone, what a failing disk or a broken stream adds.
DAMAGE = (*CORRUPT, OSError, ValueError)
RESAVE = "Ask the agency to open it, save it again as .docx or .xlsx and resend it."
CRAFTED = "Do not open it; ask the agency to send the return again from Word or Excel."
# A local header: signature, flags, name and extra lengths.
LOCAL = struct.Struct("<4s2xH18xHH")


def _glance(data: memoryview) -> bool | None:
    """A deflated part's prolog verdict from its first GLANCE bytes (most are settled there,
    at half the cost of inflating HEAD), then HEAD; None: stream it."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        head = inflater.decompress(data[:HEAD_INPUT], GLANCE)
        found = prolog_verdict(head)
        if found is None:
            head += inflater.decompress(inflater.unconsumed_tail, HEAD - len(head))
            found = prolog_verdict(head)
    except zlib.error:
        return None
    return found


def damaged() -> ReturnRejected:
    """The rejection for a part that fails its checksum or cannot be decompressed."""
    return ReturnRejected(
        "The file is damaged: a part fails its checksum or cannot be decompressed.", RESAVE
    )


def dtd_found() -> ReturnRejected:
    """The rejection for a part that declares a DTD or entities."""
    return ReturnRejected(
        "The file contains an XML document type declaration "
        "(DTD/entities), which Word and Excel never write.",
        CRAFTED,
    )


class Package:
    """One return's zip, its part names, and the parts read so far."""

    def __init__(
        self,
        path: Path,
        parts: list[Part] | zipfile.ZipFile,
        *,
        raw: bytes | None = None,
        archive: zipfile.ZipFile | None = None,
        source: BinaryIO | None = None,
    ) -> None:
        self.path = path
        # The whole file's bytes when it was read into memory: parts are inflated from it.
        self.raw = raw
        self._view = memoryview(raw) if raw is not None else None
        if isinstance(parts, zipfile.ZipFile):
            # An open zipfile alone, as readers and their tests have always passed one.
            archive, parts = parts, [Part.of(info) for info in parts.infolist()]
        self.infos = parts
        # A later entry of the same name wins, as in zipfile's NameToInfo.
        self.by_name = {part.filename: part for part in parts}
        self.names = set(self.by_name)
        self._archive = archive
        self._source = source
        # Set by the pre-check: "docx"/"xlsx" and the main part it found from the relationships.
        self.format = ""
        self.main = ""
        self._parts: dict[str, bytes] = {}
        self._scanned: set[str] = set()
        self._custom: dict[str, str] | None = None

    @property
    def archive(self) -> zipfile.ZipFile:
        """zipfile over the same bytes, opened on first use: it reads whatever is unusual."""
        if self._archive is None:
            self._archive = zipfile.ZipFile(self._source or self.path)
        return self._archive

    def close(self) -> None:
        """Close zipfile's view of the package, if one was opened."""
        if self._archive is not None:
            self._archive.close()

    def namelist(self) -> list[str]:
        """Every part name, as zipfile.ZipFile.namelist gives them."""
        return [info.filename for info in self.infos]

    def getinfo(self, name: str) -> Part:
        """A part's central-directory entry; KeyError when there is none."""
        return self.by_name[name]

    def scan(self, name: str, *, whole: bool = False) -> None:
        """Reject the file if this part declares a DTD; each part is scanned once."""
        self.scan_parts((name,), frozenset((name,)) if whole else frozenset())

    def scan_parts(self, names: Iterable[str], whole: frozenset[str] = frozenset()) -> None:
        """Reject the file if any of these parts declares a DTD; each part is scanned once.

        Parts named in `whole` will be read whole anyway: each is inflated (and CRC-checked)
        whole now when that succeeds, so its prolog costs no inflating of its own. The rest
        are judged on a glance at their first GLANCE bytes, then HEAD, then as a stream.
        One loop over twenty parts: per-part method calls cost more than the glance itself.
        """
        scanned, kept, by_name = self._scanned, self._parts, self.by_name
        for name in names:
            if name in scanned:
                continue
            found = None
            data = kept.get(name)
            if data is None and name in whole:
                data = self._keep_if_sound(name)
            if data is not None:
                found = prolog_verdict(data[:HEAD])
            else:
                info = by_name.get(name)
                stored = None if info is None else self._compressed(info)
                if stored is not None and info is not None:
                    if info.compress_type == zipfile.ZIP_STORED:
                        found = prolog_verdict(bytes(stored[:HEAD]))
                    else:
                        found = _glance(stored)
            if found is None:
                found = self._stream_verdict(name)
            if found:
                raise dtd_found()
            scanned.add(name)

    def _stream_verdict(self, name: str) -> bool:
        """The general path: the part's prolog read as zipfile streams it."""
        try:
            with self.archive.open(name) as member:
                return declares_dtd(member)
        except DAMAGE as exc:
            log.info("%s: part failed to decompress (%s)", self.path.name, type(exc).__name__)
            raise damaged() from None

    def _keep_if_sound(self, name: str) -> bytes | None:
        """A small part inflated whole and kept if it passes its size and CRC checks, else None.

        A part that fails is not reported here: its prolog is scanned from its head, and it is
        reported as damaged where it is read, exactly as if it had never been tried.
        """
        info = self.by_name.get(name)
        if info is None or info.file_size > KEEP_BYTES:
            return None
        try:
            data = self._inflate(name)
        except CORRUPT:
            return None
        if data is not None:
            self._parts[name] = data
        return data

    def _compressed(self, info: Part) -> memoryview | None:
        """A part's compressed bytes, sliced from the file in memory; None means ask zipfile.

        Anything unusual (no local header where the directory says, a name that differs from
        the directory's) is left to zipfile, which reports it as it always has.
        """
        raw, view = self.raw, self._view
        # Encrypted or "compressed patched" parts are zipfile's to refuse, as they always were.
        if raw is None or view is None or info.flag_bits & 0x21:
            return None
        at = info.header_offset
        try:
            signature, flags, name_length, extra_length = LOCAL.unpack_from(raw, at)
        except struct.error:
            return None
        start = at + LOCAL.size + name_length
        if signature != LOCAL_HEADER:
            return None
        encoded = raw[start - name_length : start]
        names = KNOWN_NAMES.get(encoded) or decoded_names(encoded, flags)
        if names is None or names[1] != info.orig_filename:
            return None
        start += extra_length
        return view[start : start + info.compress_size]

    def head(self, name: str) -> bytes | None:
        """A part's first HEAD bytes inflated straight from the file in memory; None means stream it."""
        info = self.by_name.get(name)
        data = None if info is None else self._compressed(info)
        if data is None or info is None:
            return None
        if info.compress_type == zipfile.ZIP_STORED:
            return bytes(data[:HEAD])
        try:
            return zlib.decompressobj(-zlib.MAX_WBITS).decompress(data[:HEAD_INPUT], HEAD)
        except zlib.error:
            return None

    def read(self, name: str) -> bytes:
        """A part's bytes, checked against its CRC; KeyError when the part does not exist."""
        data = self._parts.get(name)
        if data is not None:
            return data
        try:
            data = self._inflate(name)
            if data is None:
                data = self.archive.read(name)
        except DAMAGE as exc:
            log.info("%s: part failed its checksum (%s)", self.path.name, type(exc).__name__)
            raise damaged() from None
        if len(data) <= KEEP_BYTES:
            self._parts[name] = data
        return data

    def _inflate(self, name: str) -> bytes | None:
        """A whole part inflated from the file in memory, held to its declared size and CRC.

        zipfile's reader does the same checks a chunk at a time, at several times the cost.
        """
        info = self.by_name.get(name)
        data = None if info is None else self._compressed(info)
        if data is None or info is None:
            return None
        if info.compress_type == zipfile.ZIP_STORED:
            out = bytes(data)
        else:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            # One byte past the declared size is enough to know the part lies about it.
            out = inflater.decompress(data, info.file_size + 1)
        if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 or size for {name}")
        return out

    def open(self, name: str) -> IO[bytes]:
        """A part as a stream, for parsers that read as they go; KeyError when it does not exist."""
        data = self._parts.get(name)
        if data is not None:
            return io.BytesIO(data)
        return self.archive.open(name)

    def custom_properties(self) -> dict[str, str]:
        """The custom document properties (qap's identity and field map live there), by name."""
        if self._custom is None:
            data = b""
            info = self.by_name.get(CUSTOM_PART)
            if info is not None and info.file_size <= MAX_PART_BYTES:
                data = self.read(CUSTOM_PART)
            self._custom = parse_custom_properties(data)
        return self._custom

    def identity(self) -> FormIdentity | None:
        """The signed identity qap wrote into the custom properties, or None."""
        value = self.custom_properties().get(PROPERTY_NAME)
        return None if value is None else decode_identity(value)


@contextmanager
def open_package(source: Path | Package) -> Iterator[Package]:
    """The package itself, or a zip at a path opened for the block (after the pre-check)."""
    if isinstance(source, Package):
        yield source
        return
    with zipfile.ZipFile(source) as archive:
        yield Package(source, archive)
