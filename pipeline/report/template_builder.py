"""Builds the default report template, templates/report.docx: python-docx layout with docxtpl tags.

Run `python -m pipeline.report.template_builder [PATH]` to rebuild it. A coordinator can then
restyle it in Word (styles, logo, cover, fixed wording); templates/README.md lists the fields.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from docx import Document

from pipeline.report.template_parts import (
    NONE_YET,
    answers,
    fill,
    grid_table,
    key_table,
    loop_table,
    none_yet,
    para,
    table_or_none,
)
from pipeline.report.template_styles import (
    no_borders,
    setup_page,
    setup_running_heads,
    setup_styles,
    shade,
    table,
)

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "templates" / "report.docx"


def build_template(path: Path = DEFAULT_PATH) -> Path:
    """Write the default report template to `path` and return it."""
    document = Document()
    setup_page(document)
    setup_styles(document)
    setup_running_heads(document)
    body = document.element.body
    for paragraph in list(body.iterchildren("{*}p")):
        body.remove(paragraph)
    for part in (_cover, _contents, _summary, _scope, _returns, _findings, _comparison, _cases):
        part(document)
    for part in (_themes, _actions, _recommendations, _appendix):
        part(document)
    document.core_properties.title = "Draft multi-agency audit report"
    document.core_properties.subject = "qap report template"
    document.core_properties.author = "qap"
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _cover(d: Any) -> None:
    para(d, "{{ partnership.name }}", "Cover Partnership")
    para(d, "Quality Assurance and Performance Group", "Cover Group")
    para(d, "{{ audit.title }}", "Title")
    para(d, "Multi-agency audit report · Programme {{ audit.programme }}", "Subtitle")
    para(d, "{{ report.status }} · version {{ report.version }}", "Cover Draft")
    para(d, "Prepared on {{ report.date }} by the {{ partnership.coordinator }}.", "Cover Detail")
    para(d, "{{ report.basis }}", "Cover Detail")
    para(d, "{{ report.marking }}", "Cover Marking")
    para(
        d,
        "This is a draft for the Quality Assurance and Performance Group. It has not been agreed "
        "and must not be shared beyond the group. It contains information about children and "
        "families: store, send and dispose of it as OFFICIAL-SENSITIVE.",
        "Cover Note",
    )


def _contents(d: Any) -> None:
    para(d, "Contents", "TOC Heading", page_break=True)
    para(d, "{{ contents }}", "TOC 1")


def _summary(d: Any) -> None:
    para(d, "Executive summary", "Heading 1", page_break=True)
    para(
        d,
        "This draft brings together the returns received so far for this audit. It is brought "
        "up to date each time further returns arrive.",
    )
    grid = table(d, [0.4, 4.25, 0.4], rows=2, header=False)
    no_borders(grid)
    for row, (field, style) in enumerate(
        (("{{ f.value }}", "Key Figure"), ("{{ f.label }}", "Key Label"))
    ):
        texts = ["{%tc for f in summary.figures %}", field, "{%tc endfor %}"]
        for cell, text in zip(grid.rows[row].cells, texts, strict=True):
            shade(cell, "EEF2F8")
            fill(cell, text, style, d)
    para(d, "Headlines", "Heading 2")
    para(d, "{%p for line in summary.headlines %}")
    para(d, "{{ line }}", "List Bullet")
    para(d, "{%p endfor %}")


def _scope(d: Any) -> None:
    para(d, "Scope and method", "Heading 1")
    para(d, "{%p for text in audit.scope %}")
    para(d, "{{ text }}")
    para(d, "{%p endfor %}")
    para(d, "Lines of enquiry", "Heading 2")
    para(d, "{%p for line in audit.focus %}")
    para(d, "{{ line }}", "List Bullet")
    para(d, "{%p endfor %}")
    para(d, "Method", "Heading 2")
    para(d, "{{ audit.method }} The audit covers {{ audit.period }}. The agencies asked were:")
    para(d, "{%p for name in audit.agencies %}")
    para(d, "{{ name }}", "List Bullet")
    para(d, "{%p endfor %}")


def _returns(d: Any) -> None:
    para(d, "Returns received", "Heading 1")
    para(d, "{%p if returns.rows %}")
    para(d, "{{ returns.received }} of {{ audit.agency_count }} agencies have sent a return.")
    para(d, "{%p if audit.cases_per_agency %}")
    loop_table(
        d,
        ["Agency", "Received", "Completed by (role)", "Cases", "Issues"],
        ["{{ r.agency }}", "{{ r.received }}", "{{ r.role }}", "{{ r.cases }}", "{{ r.issues }}"],
        [6.2, 3.0, 4.4, 1.5, 1.9],
        "r in returns.rows",
    )
    para(d, "{%p else %}")
    loop_table(
        d,
        ["Agency", "Received", "Completed by (role)", "Issues"],
        ["{{ r.agency }}", "{{ r.received }}", "{{ r.role }}", "{{ r.issues }}"],
        [6.6, 3.2, 5.2, 2.0],
        "r in returns.rows",
    )
    para(d, "{%p endif %}")
    para(d, "{%p else %}")
    para(d, NONE_YET)
    para(d, "{%p endif %}")
    para(d, "{{ returns.outstanding_note }}")
    para(d, "{%p for name in returns.outstanding %}")
    para(d, "{{ name }}", "List Bullet")
    para(d, "{%p endfor %}")


def _findings(d: Any) -> None:
    para(d, "Findings", "Heading 1", page_break=True)
    para(
        d,
        "The findings follow the order of the return form. For each question with set answers, a "
        "table gives the number of agencies (or, for questions about individual cases, the number "
        "of cases) giving each answer, with a chart of the same figures. Answers that agencies "
        "wrote are reproduced exactly as written, under the agency's name.",
    )
    para(d, "{%p if section11.present %}")
    para(d, "Self-ratings by standard and agency", "Heading 2")
    para(d, "{%p if section11.has_rows %}")
    para(
        d,
        "Each agency's self-rating against each standard; the standards are listed below the key.",
    )
    grid_table(
        d,
        [("Agency", "{{ row.agency }}", 3.9)],
        "section11.standards",
        "row.cells",
        "section11.rows",
        1.1,
    )
    key_table(d, "section11.key")
    para(d, "{%p for s in section11.standards %}")
    para(d, "{{ s.title }}", "Note")
    para(d, "{%p endfor %}")
    para(d, "{%p else %}")
    para(d, NONE_YET)
    para(d, "{%p endif %}")
    para(d, "{%p endif %}")
    para(d, "{%p if not summary.has_returns %}")
    para(d, "No returns have been received yet, so there are no findings to report.")
    para(d, "{%p endif %}")
    para(d, "{%p for section in sections if summary.has_returns %}")
    para(d, "{{ section.heading }}", "Heading 2")
    para(d, "{%p for q in section.questions %}")
    para(d, "{{ q.id }}  {{ q.text }}", "Heading 3")
    para(d, "{%p if not q.has_answers %}")
    para(d, "{{ q.basis }}", "Note")
    para(d, "{%p elif q.kind == 'counts' %}")
    para(d, "{{ q.basis }}", "Note").paragraph_format.keep_with_next = True
    loop_table(
        d,
        ["Answer", "{{ q.unit_title }}", "%", "Given by"],
        ["{{ row.label }}", "{{ row.count }}", "{{ row.percent }}", "{{ row.given_by }}"],
        [4.6, 1.8, 1.6, 9.0],
        "row in q.rows",
        keep=True,
    )
    para(d, "{{ q.chart }}", "Figure")
    para(d, "{{ q.caption }}", "Caption")
    para(d, "{%p elif q.kind == 'number' %}")
    para(d, "{{ q.basis }}", "Note")
    loop_table(
        d, ["Measure", "Value"], ["{{ row.label }}", "{{ row.value }}"], [4.6, 3.0], "row in q.rows"
    )
    para(d, "{%p else %}")
    answers(d, "q.answers")
    para(d, "{%p endif %}")
    para(d, "{%p endfor %}")
    para(d, "{%p endfor %}")


def _comparison(d: Any) -> None:
    para(d, "{%p if comparison.present %}")
    para(d, "Change since the previous audit", "Heading 1")
    para(
        d,
        "This audit repeats {{ comparison.previous_title }} ({{ comparison.previous_label }}). "
        "For each graded question, the grades given now are set against those given then.",
    )
    para(d, "{%p if not comparison.has_previous_returns %}")
    para(
        d,
        "No returns from the earlier audit are held in this workspace, so the change cannot be shown yet.",
    )
    para(d, "{%p else %}")
    para(d, "Share of grades Good or better", "Heading 2")
    loop_table(
        d,
        ["Question", "{{ comparison.previous_label }}", "{{ comparison.current_label }}", "Change"],
        ["{{ q.id }}  {{ q.text }}", "{{ q.good_before }}", "{{ q.good_after }}", "{{ q.change }}"],
        [9.8, 2.3, 2.3, 2.6],
        "q in comparison.questions",
    )
    para(d, "{%p if comparison.chart %}")
    para(d, "{{ comparison.chart }}", "Figure")
    para(d, "{{ comparison.caption }}", "Caption")
    para(d, "{%p endif %}")
    para(d, "Grades by question", "Heading 2")
    para(d, "{%p for q in comparison.questions %}")
    para(d, "{{ q.id }}  {{ q.text }}", "Heading 3")
    loop_table(
        d,
        ["Grade", "{{ comparison.previous_label }}", "{{ comparison.current_label }}", "Change"],
        ["{{ row.label }}", "{{ row.before }}", "{{ row.after }}", "{{ row.change }}"],
        [5.6, 3.8, 3.8, 3.8],
        "row in q.rows",
        keep=True,
    )
    para(d, "", "Note")
    para(d, "{%p endfor %}")
    para(d, "{%p endif %}")
    para(d, "{%p endif %}")


def _cases(d: Any) -> None:
    para(d, "{%p if cases.present %}")
    para(d, "Case-by-case summary", "Heading 1")
    para(d, "{%p if cases.has_rows %}")
    para(
        d,
        "Each row is one case, with the {{ cases.what }} the auditing agency gave for each question.",
    )
    grid_table(
        d,
        [("Agency", "{{ row.agency }}", 3.4), ("Case", "{{ row.case }}", 2.4)],
        "cases.columns",
        "row.cells",
        "cases.rows",
        1.2,
    )
    key_table(d, "cases.key")
    para(d, "{%p for c in cases.columns %}")
    para(d, "{{ c.id }}  {{ c.text }}", "Note")
    para(d, "{%p endfor %}")
    para(d, "{%p else %}")
    para(d, NONE_YET)
    para(d, "{%p endif %}")
    para(d, "{%p endif %}")


def _themes(d: Any) -> None:
    para(d, "Strengths and areas for development", "Heading 1", page_break=True)
    para(
        d,
        "A question is listed as a strength when at least three quarters of its answers were at "
        "the good end of the scale, and as an area for development when at least a third were at "
        "the other end. What agencies wrote about their own strengths and areas for development "
        "follows each list.",
    )
    for title, items, said, none in (
        (
            "Strengths",
            "strengths",
            "agency_strengths",
            "No question reached the threshold for a strength.",
        ),
        (
            "Areas for development",
            "development",
            "agency_development",
            "No question reached the threshold for an area for development.",
        ),
    ):
        para(d, title, "Heading 2")
        para(d, f"{{%p for s in {items} %}}")
        bullet = para(d, "", "List Bullet")
        bullet.add_run("{{ s.result }}").bold = True
        bullet.add_run(": {{ s.question }}  {{ s.text }}")
        para(d, "{%p endfor %}")
        para(d, f"{{%p if not {items} %}}")
        none_yet(d, none)
        para(d, "{%p endif %}")
        answers(d, said)


def _actions(d: Any) -> None:
    para(d, "Actions proposed by agencies", "Heading 1")
    table_or_none(
        d,
        "actions",
        [
            ("Agency", "{{ a.short }}", 3.2),
            ("Action", "{{ a.action }}", 8.4),
            ("Owner", "{{ a.owner }}", 3.0),
            ("Target date", "{{ a.target }}", 2.4),
        ],
        "a in actions",
        "No actions were proposed in the returns received.",
    )


def _recommendations(d: Any) -> None:
    para(d, "Recommendations on the tracker", "Heading 1")
    para(d, "{%p if recommendations %}")
    para(
        d,
        "The recommendations for this audit on the partnership's recommendations tracker, as it stands today.",
    )
    loop_table(
        d,
        ["Ref", "Recommendation", "Lead agency", "Target", "Status", "RAG"],
        [
            "{{ r.ref }}",
            "{{ r.text }}",
            "{{ r.lead }}",
            "{{ r.target }}",
            "{{ r.status }}",
            "{% cellbg r.rag_fill %}{{ r.rag }}",
        ],
        [2.4, 6.6, 2.8, 2.0, 1.9, 1.3],
        "r in recommendations",
    )
    para(d, "{%p elif tracker_read %}")
    para(d, "There are no recommendations on the tracker for this audit yet.")
    para(d, "{%p else %}")
    para(d, "The recommendations tracker could not be read when this draft was made.")
    para(d, "{%p endif %}")


def _appendix(d: Any) -> None:
    para(d, "Appendix A: Data quality", "Heading 1", page_break=True)
    para(
        d,
        "Missing or invalid answers found when the returns were read. Each return was still "
        "accepted; the coordinator may ask the agency to correct it.",
    )
    table_or_none(
        d,
        "data_quality.rows",
        [
            ("Agency", "{{ i.agency }}", 5.0),
            ("Question", "{{ i.question }}", 1.8),
            ("Case", "{{ i.case }}", 2.4),
            ("Issue", "{{ i.issue }}", 7.8),
        ],
        "i in data_quality.rows",
        "No data-quality issues were found in the returns received.",
    )
    para(d, "{%p if data_quality.altered %}")
    para(d, "Characters replaced", "Heading 2")
    para(
        d,
        "Some answers contained characters that a Word document cannot hold. Each was replaced "
        "with the symbol \ufffd so that the rest of the answer could be shown; the original return "
        "is kept unchanged in the archive.",
    )
    loop_table(
        d,
        ["Agency", "Where", "Characters replaced"],
        ["{{ c.agency }}", "{{ c.where }}", "{{ c.count }}"],
        [6.0, 7.0, 4.0],
        "c in data_quality.altered",
    )
    para(d, "{%p endif %}")


def main() -> None:
    """Rebuild the template at the path given, or templates/report.docx."""
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    build_template(target)


if __name__ == "__main__":
    main()
