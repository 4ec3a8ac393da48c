"""Renders the report template with docxtpl: strict fields, tags checked first, text from returns kept literal."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import TemplateError
from pipeline.report.charts import ChartSpec, chart_png
from pipeline.report.context import CONTENTS_MARKER
from pipeline.report.text import clean_text
from pipeline.text import XML_ILLEGAL_CHARS

log = logging.getLogger(__name__)

CHART_WIDTH_MM = 150
README_HINT = "the list of fields in templates/README.md"
_TAG_TOKENS = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_UNDEFINED = (re.compile(r"has no attribute '([^']+)'"), re.compile(r"'([^']+)' is undefined"))
# A character _finalize changes: line endings and XML-illegal ones (clean_text), what escape()
# escapes, and braces.
_NEEDS_CHANGE = re.compile(f"[{XML_ILLEGAL_CHARS}\r&<>\"'{{}}]")


def _finalize(value: Any) -> Any:
    """Every value printed by the template: cleaned, XML-escaped, and with braces as character references.

    Braces are written as &#123; / &#125; because docxtpl turns "{_{" into "{{" in the rendered
    XML; as references they reach the document as the characters that were typed.
    """
    from markupsafe import Markup, escape

    if value is None:
        return ""
    if hasattr(value, "__html__"):
        return value
    text = str(value)
    if _NEEDS_CHANGE.search(text) is None:
        # Most values (names, labels, counts, dates) need none of the changes below.
        return Markup(text)
    text, _ = clean_text(text)
    return Markup(str(escape(text)).replace("{", "&#123;").replace("}", "&#125;"))


# Compiled template parts kept per process, least recently used dropped first: a template's
# body, headers, footers and a dozen short properties. Compiling the body is about a third of
# docxtpl's render, and a run or a watcher renders the same template for every draft.
_COMPILED_KEPT = 64
_environment: Any = None
_environment_lock = threading.Lock()
_compiled: dict[str, Any] = {}
_compiled_lock = threading.Lock()


def environment() -> Any:
    """The Jinja environment for the report: sandboxed, autoescaped, strict about unknown fields.

    One per process; it compiles each distinct template source once (the source is the
    template's own XML, never text from a return, so equal sources are the same template).
    """
    global _environment
    with _environment_lock:
        if _environment is None:
            _environment = _new_environment()
        return _environment


def _new_environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class ReportEnvironment(SandboxedEnvironment):
        """A sandboxed environment whose from_string (docxtpl's only way in) reuses compilations."""

        def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
            if globals is not None or template_class is not None or not isinstance(source, str):
                return super().from_string(source, globals, template_class)
            with _compiled_lock:
                template = _compiled.pop(source, None)
                if template is not None:
                    _compiled[source] = template  # most recently used last
            if template is None:
                template = super().from_string(source)
                with _compiled_lock:
                    while len(_compiled) >= _COMPILED_KEPT:
                        del _compiled[next(iter(_compiled))]
                    _compiled[source] = template
            return template

    return ReportEnvironment(autoescape=True, undefined=StrictUndefined, finalize=_finalize)


def open_template(path: Path) -> Any:
    """The template as a DocxTemplate; a missing or unreadable file is a TemplateError."""
    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate

    if not path.is_file():
        raise TemplateError(
            f"The report template {path} is missing. Copy templates/report.docx from a new "
            "workspace (`qap init`) or rebuild it with `python -m pipeline.report.template_builder`."
        )
    template = DocxTemplate(str(path))
    try:
        template.init_docx()
    except (PackageNotFoundError, ValueError, KeyError) as exc:
        raise TemplateError(
            f"The report template {path} cannot be opened as a Word document ({type(exc).__name__}). "
            "Save it from Word as a .docx file."
        ) from None
    return template


def _paragraphs(document: Any) -> Iterator[tuple[str, str]]:
    """(where, text) for every paragraph of the template, in the body (tables too), headers and footers."""
    from docx.oxml.ns import qn

    heading = ""
    for p in document.element.body.iter(qn("w:p")):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is not None and style.get(qn("w:val"), "").startswith("Heading") and text:
            heading = text
        yield (
            (
                f"in the body, under the heading “{heading}”"
                if heading
                else "at the start of the body"
            ),
            text,
        )
    for section in document.sections:
        for where, part in (
            ("in the page header", section.header),
            ("in the page footer", section.footer),
        ):
            for paragraph in part.paragraphs:
                yield where, paragraph.text


def _snippet(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _broken_tag(text: str) -> str | None:
    opened = None
    for match in _TAG_TOKENS.finditer(text):
        token = match.group()
        if token in _CLOSERS:
            if opened:
                return f"“{opened}” is opened again before it is closed"
            opened = token
        elif opened is None or _CLOSERS[opened] != token:
            return f"“{token}” closes a tag that was never opened"
        else:
            opened = None
    return f"“{opened}” is never closed with “{_CLOSERS[opened]}”" if opened else None


def _broken(path: Path, where: str, text: str, reason: str) -> TemplateError:
    return TemplateError(
        f"{path}: a template tag is broken ({where}: “{_snippet(text)}”): {reason}. Every {{{{ needs "
        "a closing }} and every {% a closing %}; correct it in Word and save the template."
    )


def _unknown(path: Path, document: Any, name: str) -> TemplateError:
    pattern = re.compile(r"(\{\{|\{%)[^}%]*\b" + re.escape(name) + r"\b")
    where = next(
        (f"{w}: “{_snippet(t)}”" for w, t in _paragraphs(document) if pattern.search(t)),
        "the place could not be found",
    )
    return TemplateError(
        f"{path}: the field “{name}” does not exist ({where}). Check it against {README_HINT}, "
        "correct it in Word and save the template."
    )


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
# docxtpl's own tags, rewritten into the plain Jinja they become before rendering.
_DOCXTPL_PREFIX = re.compile(r"^(\{[{%])(?:p|tr|tc|r)\s")
_SPECIAL = re.compile(r"^\{%\s*(cellbg|colspan)\s+(.*?)\s*%\}$")
_NO_OP = re.compile(r"^\{%\s*(vm|hm)\s*%\}$")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _tag_source(document: Any) -> tuple[str, list[tuple[str, str]]]:
    """Only the template's tags, one paragraph per line, as Jinja source; and each line's paragraph.

    Parsing this is far cheaper than parsing the whole document XML again, and a syntax error's
    line number leads straight back to the paragraph the coordinator must fix.
    """
    lines: list[str] = []
    places: list[tuple[str, str]] = []
    for where, text in _paragraphs(document):
        tags = []
        for tag in _TAG.findall(text.translate(_QUOTES)):
            tag = _DOCXTPL_PREFIX.sub(r"\1 ", tag)
            special = _SPECIAL.match(tag)
            if special:
                tag = "{{ " + special.group(2) + " }}"
            elif _NO_OP.match(tag):
                continue
            tags.append(tag)
        if tags:
            lines.append(" ".join(tags))
            places.append((where, text))
    return "\n".join(lines), places


def check_template(path: Path, template: Any, context: dict[str, Any], env: Any) -> None:
    """Fail before anything is written if a tag is broken, does not fit, or names an unknown field."""
    from jinja2 import TemplateSyntaxError, meta

    document = template.get_docx()
    for where, text in _paragraphs(document):
        reason = _broken_tag(text)
        if reason:
            raise _broken(path, where, text, reason)
    source, places = _tag_source(document)
    try:
        unknown = meta.find_undeclared_variables(env.parse(source)) - set(context)
    except TemplateSyntaxError as exc:
        line = (exc.lineno or 0) - 1
        place = _unclosed(source, places) if "end of template" in str(exc) else None
        if place is None and 0 <= line < len(places):
            place = places[line]
        raise _syntax(path, exc, place) from None
    if unknown:
        raise _unknown(path, document, sorted(unknown)[0])


def check_once(
    path: Path, template: Any, context: dict[str, Any], env: Any, passed: Path | None
) -> None:
    """check_template, skipped when these exact template bytes already passed with the same fields.

    `passed` is a folder of empty marker files, one per template SHA-256 and set of context
    keys that passed; an edited template or a new field has a new name and is checked again.
    """
    if passed is None:
        check_template(path, template, context, env)
        return
    digest = hashlib.sha256(path.read_bytes())
    digest.update("\0".join(sorted(context)).encode())
    marker = passed / digest.hexdigest()
    if marker.is_file():
        return
    check_template(path, template, context, env)
    try:
        passed.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError as exc:
        # Only a saving for the next draft: the check simply runs again next time.
        log.warning("template check not remembered in %s: %s", passed, type(exc).__name__)


_BLOCK = re.compile(r"\{%-?\s*(if|for|endif|endfor)\b")


def _unclosed(source: str, places: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The paragraph of the last {% if %} or {% for %} that is never closed."""
    stack: list[int] = []
    for number, line in enumerate(source.splitlines()):
        for word in _BLOCK.findall(line):
            if word in ("if", "for"):
                stack.append(number)
            elif stack:
                stack.pop()
    return places[stack[-1]] if stack else None


def _syntax(path: Path, exc: Exception, place: tuple[str, str] | None = None) -> TemplateError:
    if place is not None:
        near = f" ({place[0]}: “{_snippet(place[1])}”)"
    else:
        lines = [line.strip() for line in getattr(exc, "docx_context", []) if line.strip()]
        near = f" near “{_snippet(' / '.join(lines))}”" if lines else ""
    return TemplateError(
        f"{path}: the template's tags do not fit together{near}: {str(getattr(exc, 'message', exc)).rstrip('.')}. "
        "Check that every {%p if %} has its {%p endif %} and every {%p for %} its {%p endfor %}, "
        "then save the template."
    )


class _Chart:
    """A chart in the context: drawn (or taken from the cache) only when the template prints it."""

    def __init__(
        self, spec: ChartSpec, template: Any, chart_dir: Path, alts: dict[str, str]
    ) -> None:
        self.spec, self.template, self.chart_dir, self.alts = spec, template, chart_dir, alts

    def __html__(self) -> str:
        from docx.shared import Mm
        from docxtpl import InlineImage

        png = chart_png(self.spec, self.chart_dir)
        self.alts[png.name] = self.spec.alt
        return str(InlineImage(self.template, str(png), width=Mm(CHART_WIDTH_MM)).__html__())

    __str__ = __html__


def _with_images(value: Any, template: Any, chart_dir: Path, alts: dict[str, str]) -> Any:
    """A copy of the context with each chart spec replaced by a chart the template can print."""
    if isinstance(value, ChartSpec):
        return _Chart(value, template, chart_dir, alts)
    if isinstance(value, dict):
        return {k: _with_images(v, template, chart_dir, alts) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_images(v, template, chart_dir, alts) for v in value]
    return value


def render_docx(
    path: Path, context: dict[str, Any], *, chart_dir: Path, checked: Path | None = None
) -> bytes:
    """Render the template at `path` with `context` and return the .docx bytes; nothing is written.

    `checked` is where templates whose tags passed the check are remembered (see check_once).
    """
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import TemplateError as JinjaError

    from pipeline.report.finish import finish

    template = open_template(path)
    env = environment()
    check_once(path, template, context, env, checked)
    alts: dict[str, str] = {}
    full = _with_images(context, template, chart_dir, alts)
    try:
        template.render(full, jinja_env=env)
    except UndefinedError as exc:
        name = next((m.group(1) for rx in _UNDEFINED if (m := rx.search(str(exc)))), str(exc))
        raise _unknown(path, template.get_docx(), name) from None
    except TemplateSyntaxError as exc:
        raise _syntax(path, exc) from None
    except JinjaError as exc:
        raise TemplateError(f"{path}: the template could not be filled in: {exc}.") from None
    finish(template.docx, context, alts, CONTENTS_MARKER)
    buffer = io.BytesIO()
    template.save(buffer)
    log.info("rendered %s with %d charts", path.name, len(alts))
    return buffer.getvalue()
