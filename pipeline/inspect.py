"""What qap would read from one file, for `qap validate`: nothing is stored, moved or signed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pipeline.definitions import load_catalogue
from pipeline.errors import ReturnRejected, UnidentifiedReturn
from pipeline.identify import identify_return
from pipeline.model import AuditReturn, Identification, RawReturn
from pipeline.normalise import normalise_return
from pipeline.readers import read_return
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

SHOWN = 200
ACCEPTED_OUTCOMES = ("accepted", "accepted with issues")


def _signing(workspace: Workspace) -> tuple[bytes, str]:
    """The workspace's key and id without creating them: a workspace with no key signed nothing."""
    key_file = workspace.private / "secret.key"
    id_file = workspace.private / "workspace-id"
    if not key_file.is_file() or not id_file.is_file():
        return b"", ""
    return workspace.secret_key(), workspace.workspace_id()


def inspect_file(
    workspace: Workspace, path: Path, audit_id: str | None = None, agency_key: str | None = None
) -> dict[str, Any]:
    """Everything qap would read from `path` (identity, answers, cases, actions, issues) as a dict."""
    result: dict[str, Any] = {"file": path.name}
    try:
        raw = read_return(path)
    except ReturnRejected as exc:
        outcome = "retry" if exc.retry else "rejected"
        return {**result, "outcome": outcome, "reason": exc.reason, "advice": exc.advice}
    result.update(format=raw.format, style=raw.style, labels=dict(raw.labels))
    partnership = workspace.partnership()
    catalogue = load_catalogue(workspace.audits_dir, partnership)
    key, workspace_id = _signing(workspace)
    try:
        identification = identify_return(
            raw,
            partnership,
            catalogue,
            key=key,
            workspace_id=workspace_id,
            audit_id=audit_id,
            agency_key=agency_key,
        )
    except UnidentifiedReturn as exc:
        return {
            **result,
            "outcome": "unidentified",
            "reason": exc.reason,
            "advice": exc.advice,
            "tried": list(exc.tried),
            "rows": _raw_rows(raw),
        }
    audit = catalogue.get(identification.audit_id)
    audit_return = normalise_return(raw, audit, identification)
    log.info("validated %s: %d issues", path.name, len(audit_return.issues))
    result.update(_described(audit_return, identification, audit.title))
    return result


def _raw_rows(raw: RawReturn) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"qid": row.qid, "question": row.question, "answer": row.answer, "where": row.where}
        for row in raw.rows
    ]
    rows += [
        {"case": case.index, "ref": case.ref, "question": key, "answer": answer}
        for case in raw.cases
        for key, answer in case.answers.items()
    ]
    return rows


def _described(result: AuditReturn, ident: Identification, title: str) -> dict[str, Any]:
    return {
        "outcome": "accepted with issues" if result.issues else "accepted",
        "identity": {
            "audit": ident.audit_id,
            "audit_title": title,
            "agency": ident.agency_key,
            "method": ident.method,
            "signature": ident.signature,
            "tried": list(ident.tried),
            "flags": list(ident.flags),
        },
        "completed_by": result.completed_by,
        "role": result.role,
        "completed_on": result.completed_on,
        "answers": {a.qid: {"value": a.value, "raw": a.raw} for a in result.answers},
        "cases": [
            {
                "index": case.index,
                "ref": case.ref,
                "answers": {a.qid: {"value": a.value, "raw": a.raw} for a in case.answers},
            }
            for case in result.cases
        ],
        "actions": [
            {
                "action": a.action,
                "owner": a.owner,
                "target_date": a.target_date,
                "target_raw": a.target_raw,
            }
            for a in result.actions
        ],
        "issues": [
            {"kind": i.kind, "message": i.message, "qid": i.qid, "case": i.case}
            for i in result.issues
        ],
    }


def _short(text: str | None) -> str:
    text = (text or "").replace("\n", " / ")
    if len(text) <= SHOWN:
        return text
    return f"{text[:SHOWN]}… ({len(text):,} characters)"


def render_inspection(result: dict[str, Any]) -> str:
    """The inspection as text for a coordinator to read."""
    lines = [f"{result['file']}: {result['outcome']}"]
    if result["outcome"] in ("rejected", "retry", "unidentified"):
        lines.append(f"  {result['reason']}")
        if result.get("advice"):
            lines.append(f"  {result['advice']}")
    if result["outcome"] == "unidentified":
        lines.append("What was read:")
        for row in result["rows"]:
            where = f"case {row['case']} " if "case" in row else ""
            label = row.get("qid") or row.get("question") or ""
            lines.append(f"  {where}{_short(label)[:60]}: {_short(row['answer'])}")
    if result["outcome"] not in ACCEPTED_OUTCOMES:
        return "\n".join(lines)
    ident = result["identity"]
    details = [
        ("Audit", f"{ident['audit']} ({ident['audit_title']})"),
        ("Agency", ident["agency"]),
        ("Found by", f"{ident['method']} (signature: {ident['signature']})"),
        ("Read as", f"{result['format']} ({result['style']})"),
        ("Completed by", result.get("completed_by")),
        ("Role", result.get("role")),
        ("Completed on", result.get("completed_on")),
    ]
    lines += [f"  {label + ':':<14}{value}" for label, value in details if value]
    lines.append("Answers:")
    for qid, answer in result["answers"].items():
        lines.append(f"  {qid:<6} {_short(answer['value'] or answer['raw'])}")
    for case in result["cases"]:
        lines.append(f"Case {case['index']}" + (f" ({case['ref']}):" if case["ref"] else ":"))
        for qid, answer in case["answers"].items():
            lines.append(f"  {qid:<6} {_short(answer['value'] or answer['raw'])}")
    if result["actions"]:
        lines.append("Actions:")
    for number, action in enumerate(result["actions"], 1):
        target = action["target_date"] or action["target_raw"] or "no target date"
        owner = action["owner"] or "no owner"
        lines.append(f"  {number}. {_short(action['action'])} ({owner}, {target})")
    lines.append(f"Issues ({len(result['issues'])}):" if result["issues"] else "No issues.")
    for issue in result["issues"]:
        lines.append(f"  {issue['kind']:<9} {issue['message']}")
    return "\n".join(lines)
