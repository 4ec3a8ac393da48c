"""File safety before any parser runs: names to ignore, magic bytes, zip limits, DTDs, checksums.

Every limit is decided from the zip's central directory (infolist) before anything is
decompressed; zipfile enforces the declared sizes while reading, so they are trustworthy.
Every XML part's prolog is scanned for a DTD (dtd.py); the parts every reader needs (package
relationships, content types, custom properties, the main part) are read whole, checked against
their CRC and kept in the Package for the reader, which checks the rest of what it reads.
See ../shared/notes/file-hazards.md sections 1, 2 and 4.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from pipeline.errors import ReturnRejected
from pipeline.readers.package import (
    CRAFTED,
    CUSTOM_PART,
    DAMAGE,
    KEEP_BYTES,
    RESAVE,
    Package,
    damaged,
)
from pipeline.readers.zip_directory import Part, read_directory

log = logging.getLogger(__name__)

MAX_MEMBERS = 2_000
MAX_MEMBER_BYTES = 100_000_000
MAX_TOTAL_BYTES = 200_000_000
# XML parts are parsed whole by lxml (several times their size in memory), so they are held
# to a size whose parse stays far below 200 MB of RSS.
MAX_XML_BYTES = 24_000_000
MAX_RATIO = 200
RATIO_FLOOR = 1_000_000
CHUNK = 1 << 20
# Returns are rarely over 1 MB; up to this size the whole file is read into memory once.
IN_MEMORY_BYTES = 8_000_000

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
IMAGES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a bitmap image"),
)

WORD_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "docx",
    "application/vnd.ms-word.document.macroEnabled.main+xml": "docx",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": "docx",
}
EXCEL_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "xlsx",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "xlsx",
}
MAIN_TYPES = {**WORD_TYPES, **EXCEL_TYPES}
OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
STRICT_DOCUMENT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# Parts read whole below (the main part by its usual names), and the two every Excel reading
# reads whole next (the workbook's relationships and styles): their prologs are scanned from
# the whole part, which saves inflating their heads as well.
READ_WHOLE = frozenset(
    (
        "_rels/.rels",
        "[Content_Types].xml",
        CUSTOM_PART,
        "word/document.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
    )
)

RESEND = "Ask the agency to save it as a Word (.docx) or Excel (.xlsx) return and send it again."
STILL_COPYING = "qap will try again once the file has finished copying."

IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"}
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download")
EXCEL_TEMP = re.compile(r"^[0-9A-F]{8}$")


def ignored_name(name: str) -> bool:
    """Whether a file (or any folder on its relative path) is an owner, temporary or hidden file."""
    parts = [p for p in re.split(r"[\\/]", name) if p]
    return any(_ignored_part(part) for part in parts)


def _ignored_part(part: str) -> bool:
    lower = part.lower()
    return (
        part.startswith(("~$", ".", "~WRL"))
        or lower.endswith(TEMP_SUFFIXES)
        or lower in IGNORED_NAMES
        or bool(EXCEL_TEMP.match(part))
    )


def _reject(reason: str, advice: str, *, retry: bool = False) -> ReturnRejected:
    return ReturnRejected(reason, advice, retry=retry)


def precheck_file(path: Path) -> str:
    """The format of a complete, safe-looking return ("docx" or "xlsx"), or ReturnRejected."""
    with checked_package(path) as package:
        return package.format


@contextmanager
def checked_package(path: Path) -> Iterator[Package]:
    """The return's package, opened once and pre-checked, for the block; or ReturnRejected."""
    with ExitStack() as stack:
        try:
            size = path.stat().st_size
            handle = stack.enter_context(path.open("rb"))
            head = handle.read(8)
        except OSError as exc:
            log.info("precheck %s: cannot open (%s)", path.name, type(exc).__name__)
            raise _reject(
                "The file could not be opened (it may still be copying or be locked).",
                STILL_COPYING,
                retry=True,
            ) from None
        if size == 0:
            raise _reject("The file is empty (it may still be copying).", STILL_COPYING, retry=True)
        if not head.startswith(ZIP_MAGIC):
            raise _not_a_package(path, head)
        source: BinaryIO = handle
        raw = None
        if size <= IN_MEMORY_BYTES:
            # One read, then no system call per part; and the bytes checked are the bytes read.
            handle.seek(0)
            raw = handle.read()
            source = io.BytesIO(raw)
        package = _check_package(path, source, size, raw)
        stack.callback(package.close)
        log.info("precheck %s: ok (%s)", path.name, package.format)
        yield package


def _not_a_package(path: Path, head: bytes) -> ReturnRejected:
    """The rejection for a file that is not a zip package at all, judged by its first bytes."""
    suffix = path.suffix.lower()
    if head.startswith(OLE2):
        if _ole_encrypted(path):
            return _reject(
                "The file is password-protected.",
                "Ask the agency to remove the password and send it again.",
            )
        kind = {".doc": "an old-style Word (.doc)", ".xls": "an old-style Excel (.xls)"}.get(
            suffix, "an old-style Word or Excel (97-2003)"
        )
        return _reject(f"This is {kind} file, which qap does not read.", RESEND)
    if head.startswith(b"%PDF"):
        return _reject(
            "This is a PDF, not a Word or Excel file.",
            "Ask the agency for the Word or Excel return itself, not a PDF or a scan.",
        )
    for magic, what in IMAGES:
        if head.startswith(magic):
            return _reject(
                f"This is {what} (a scan or photo), not a Word or Excel file.",
                "Ask the agency for the Word or Excel return itself, not a scan.",
            )
    if head.startswith(b"{\\rtf"):
        return _reject("This is a Rich Text (.rtf) document, not a .docx.", RESEND)
    if head.strip(b"\x00") == b"":
        return _reject(
            "The file is still blank (it may still be copying).", STILL_COPYING, retry=True
        )
    return _reject("This is not a Word (.docx) or Excel (.xlsx) file.", RESEND)


def _ole_encrypted(path: Path) -> bool:
    """Whether an OLE2 file holds an encrypted OOXML package (how Office stores password files)."""
    needle = "EncryptedPackage".encode("utf-16-le")
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def _check_package(path: Path, handle: BinaryIO, size: int, raw: bytes | None) -> Package:
    parts = None if raw is None else read_directory(raw)
    archive = None
    if parts is None:
        archive = _open_zip(handle)
        parts = [Part.of(info) for info in archive.infolist()]
    package = Package(path, parts, raw=raw, archive=archive, source=handle)
    try:
        xml = _check_members(package.infos, size)
        if "mimetype" in package.names and "[Content_Types].xml" not in package.names:
            raise _reject(
                "This is an OpenDocument (.odt/.ods) file, which qap does not read.", RESEND
            )
        package.scan_parts(xml, READ_WHOLE)
        package.format, package.main = _main_format(package)
        # Every reader needs these whole: read (and CRC-checked) once, kept for the reader.
        for name in (package.main, CUSTOM_PART):
            if name in package.names:
                package.scan(name)  # the main part may be named anything
                _read_whole(package, name)
    except BaseException:
        package.close()
        raise
    return package


def _open_zip(handle: BinaryIO) -> zipfile.ZipFile:
    """zipfile's reading of a directory read_directory left to it, or the reason it fails."""
    handle.seek(0)
    try:
        return zipfile.ZipFile(handle)
    except zipfile.BadZipFile:
        raise _reject(
            "The file is incomplete: its zip directory is missing (it may still be copying).",
            STILL_COPYING,
            retry=True,
        ) from None
    except (OSError, EOFError, ValueError):
        raise _reject(
            "The file is incomplete or truncated (it may still be copying).",
            STILL_COPYING,
            retry=True,
        ) from None


def _read_whole(package: Package, name: str) -> None:
    """Decompress a part to its end so zipfile checks its CRC; small parts stay in memory."""
    if package.getinfo(name).file_size <= KEEP_BYTES:
        package.read(name)
        return
    with package.open(name) as member:
        try:
            while member.read(CHUNK):
                pass
        except DAMAGE as exc:
            log.info("precheck: part failed to decompress (%s)", type(exc).__name__)
            raise damaged() from None


def _check_members(infos: list[Part], size: int) -> list[str]:
    """Limits from the central directory alone: nothing is decompressed yet. The XML parts' names.

    One loop with each entry unpacked once: twenty parts' attribute lookups and calls cost more
    than the checks themselves.
    """
    if len(infos) > MAX_MEMBERS:
        raise _reject(f"The file has {len(infos)} parts, more than any real return.", CRAFTED)
    seen: set[str] = set()
    xml: list[str] = []
    total = 0
    facts_of = _NAME_FACTS.get
    for name, _, flags, method, _, packed, expanded, _ in infos:
        if name in seen:
            raise _reject("The file is malformed: a part appears twice in the package.", CRAFTED)
        seen.add(name)
        unsafe, is_xml = facts_of(name) or _name_facts(name)
        if unsafe:
            raise _reject("The file is malformed: a part's path points outside it.", CRAFTED)
        if flags & 0x1:
            raise _reject(
                "The file is encrypted.", "Ask the agency to remove the password and resend it."
            )
        if method != zipfile.ZIP_DEFLATED and method != zipfile.ZIP_STORED:
            raise _reject("The file uses a compression Word and Excel never use.", CRAFTED)
        if expanded > (MAX_XML_BYTES if is_xml else MAX_MEMBER_BYTES):
            raise _reject(
                f"The file is too large to read safely (a part would expand to "
                f"{expanded // 1_000_000} MB).",
                "Ask the agency to remove large pictures or split the return, then resend it.",
            )
        if expanded > RATIO_FLOOR and expanded > MAX_RATIO * max(packed, 1):
            raise _reject(
                "The file expands far beyond its size when opened (a 'zip bomb').", CRAFTED
            )
        total += expanded
        if is_xml:
            xml.append(name)
    if total > MAX_TOTAL_BYTES:
        raise _reject(
            f"The file is too large to read safely ({total // 1_000_000} MB when opened).",
            "Ask the agency to remove large pictures or split the return, then resend it.",
        )
    if size > MAX_TOTAL_BYTES:
        raise _reject("The file is too large to read safely.", CRAFTED)
    return xml


# A backslash, a NUL, an absolute or drive path, or a ".." step: a path that points outside.
UNSAFE_MEMBER = re.compile(r"[\\\x00]|^/|^[A-Za-z]:|(?:^|/)\.\.(?:/|\Z)")
# Whether a part name is unsafe and whether it is XML, by name: the same few dozen names recur
# in every return, so each is decided once. Bounded in count and name length, so crafted names
# cannot grow it past a megabyte.
_NAME_FACTS: dict[str, tuple[bool, bool]] = {}
NAME_FACTS_KEPT = 4_096
NAME_KEPT_CHARS = 200


def _name_facts(name: str) -> tuple[bool, bool]:
    """Whether a part name points outside the package, and whether it names an XML part."""
    facts = (_unsafe_member(name), _is_xml(name))
    if len(_NAME_FACTS) < NAME_FACTS_KEPT and len(name) <= NAME_KEPT_CHARS:
        _NAME_FACTS[name] = facts
    return facts


def _unsafe_member(name: str) -> bool:
    return UNSAFE_MEMBER.search(name) is not None


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _main_format(package: Package) -> tuple[str, str]:
    """The format named by the package's own relationships and content types, and the main part."""
    names = package.names
    if "[Content_Types].xml" not in names or "_rels/.rels" not in names:
        raise _reject("This is a zip file, but not a Word or Excel document.", RESEND)
    key = (package.read("_rels/.rels"), package.read("[Content_Types].xml"))
    described = _DESCRIBED.get(key)
    if described is None:
        described = _described(*key)
        if len(_DESCRIBED) < DESCRIBED_KEPT and len(key[0]) + len(key[1]) <= DESCRIBED_BYTES:
            _DESCRIBED[key] = described
    target, content_type = described
    if not target or target not in names:
        raise _reject("This is a zip file, but not a Word or Excel document.", RESEND)
    fmt = MAIN_TYPES.get(content_type)
    if fmt is None:
        if "presentationml" in content_type:
            raise _reject("This is a PowerPoint file, not a Word or Excel return.", RESEND)
        raise _reject(
            "The file's contents do not match a Word or Excel document (wrong content type).",
            RESAVE,
        )
    return fmt, target


# What a package description (relationships, content types) names, by its bytes: returns
# filled in from one form carry both parts byte for byte, and parsing them is a tenth of the
# pre-check. Only descriptions that parse are kept; bounded in count and size.
_DESCRIBED: dict[tuple[bytes, bytes], tuple[str, str]] = {}
DESCRIBED_KEPT = 256
DESCRIBED_BYTES = 32_000


def _described(rels_xml: bytes, types_xml: bytes) -> tuple[str, str]:
    """The main part the relationships name ("" for none) and the content type given for it."""
    # No table of ID attributes: nothing here looks one up, and building it costs a tenth.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, collect_ids=False
    )
    try:
        rels = etree.fromstring(rels_xml, parser)
        types = etree.fromstring(types_xml, parser)
    except etree.XMLSyntaxError:
        raise _reject(
            "The file is damaged: its package description is not readable.", RESAVE
        ) from None
    target = ""
    for rel in rels.iter(f"{RELS_NS}Relationship"):
        if rel.get("Type") == STRICT_DOCUMENT:
            raise _reject(
                "The file was saved as 'Strict Open XML', which qap does not read.",
                "Ask the agency to save it as an ordinary Word Document (.docx) or Excel "
                "Workbook (.xlsx) and send it again.",
            )
        if rel.get("Type") == OFFICE_DOCUMENT:
            target = (rel.get("Target") or "").lstrip("/")
    content_type = ""
    for override in types.iter(f"{CT_NS}Override"):
        if target and (override.get("PartName") or "").lstrip("/") == target:
            content_type = override.get("ContentType") or ""
    return target, content_type
