"""Checks that keep docs/ honest: commands, options, links, pictures and quarantine reasons are real."""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from pipeline.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDE = DOCS / "guide.md"
PIPELINE = ROOT / "pipeline"
# The heading of the guide's section whose tables list every quarantine reason.
QUARANTINE_HEADING = "What each quarantine message means"
# Calls whose first argument is the reason written in a quarantine note.
REJECTIONS = {"_reject", "ReturnRejected", "UnidentifiedReturn"}
# Options every command accepts because the group itself takes them (before the command name).
GLOBAL_OPTIONS = {"--workspace", "-v", "--verbose", "--version", "-h", "--help"}

FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.S | re.M)
# Fenced blocks holding command lines; "text" blocks hold what qap prints, which is not checked.
COMMAND_BLOCKS = {"sh", "shell", "bash", "console"}
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def doc_files() -> list[Path]:
    """Every markdown file in docs/."""
    return sorted(DOCS.glob("*.md"))


def code_texts(markdown: str) -> list[str]:
    """Each line of every fenced block and each inline code span, where commands are quoted."""
    texts: list[str] = []
    for _, kind, block in FENCE.findall(markdown):
        if kind in COMMAND_BLOCKS:
            texts += block.splitlines()
    prose = FENCE.sub("", markdown)
    texts += INLINE_CODE.findall(prose)
    return texts


@dataclass(frozen=True)
class Invocation:
    """A `qap ...` command line quoted in the docs: the command name and the options it uses."""

    source: str
    command: str | None
    options: tuple[str, ...]


def invocations(text: str) -> list[Invocation]:
    """Every `qap` command line in one line of code: `qap` first (after `&&`, `;` or `sudo`).

    Output quoted in the docs ("... which qap does not read") is not a command line.
    """
    found: list[Invocation] = []
    text = text.split(" #", 1)[0]
    for part in re.split(r"&&|;|\|", text):
        try:
            words = shlex.split(part, posix=True)
        except ValueError:
            words = part.split()
        while words and (words[0] in ("sudo", "$") or re.match(r"^[A-Z_]+=", words[0])):
            words = words[1:]
        if words and (words[0] == "qap" or words[0].endswith("/qap")):
            found.append(_invocation(part.strip(), words[1:]))
    return found


def _invocation(source: str, words: list[str]) -> Invocation:
    command = None
    options: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("-"):
            options.append(word.split("=", 1)[0])
            if command is None and word == "--workspace":
                index += 1
        elif command is None:
            command = word
        index += 1
    return Invocation(source, command, tuple(options))


def all_invocations() -> list[tuple[Path, Invocation]]:
    """Every quoted `qap` command line in docs/*.md, with its file."""
    return [
        (path, found)
        for path in doc_files()
        for text in code_texts(path.read_text(encoding="utf-8"))
        for found in invocations(text)
    ]


def command_options(command: click.Command) -> set[str]:
    """Every option spelling a command accepts."""
    names: set[str] = set()
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names | set(command.get_help_option_names(click.Context(command)))


# --- quarantine reasons in the code ---------------------------------------------------------


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level NAME = <expr> assignments, to resolve reasons held in constants."""
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = node.value
    return found


def _pattern(node: ast.expr, constants: dict[str, ast.expr]) -> str | None:
    """A regular expression for the text an expression produces: literal parts, `.+` for the rest."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.Name) and node.id in constants:
        return _pattern(constants[node.id], constants)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            literal = _pattern(value, constants) if isinstance(value, ast.Constant) else None
            parts.append(literal if literal is not None else ".+")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _pattern(node.left, constants), _pattern(node.right, constants)
        return None if left is None or right is None else left + right
    return None


def _retry(call: ast.Call) -> bool:
    """True for rejections that mean 'still copying': those files are waited for, not quarantined."""
    return any(
        k.arg == "retry" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


def _called(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


@dataclass(frozen=True)
class Reason:
    """A quarantine reason as the code writes it, where it is, and a pattern matching its text."""

    where: str
    pattern: str

    def matches(self, text: str) -> bool:
        """Whether a reason as written in the guide is this one (placeholders match anything)."""
        return re.fullmatch(self.pattern, text, re.S) is not None


def code_reasons() -> list[Reason]:
    """Every reason a quarantine note can give: rejections raised anywhere, and processing's own."""
    reasons: list[Reason] = []
    for path in sorted(PIPELINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in REJECTIONS and node.args:
                first = node.args[0]
                # A pass-through of a parameter (precheck's _reject) is counted where it is called.
                if _retry(node) or (isinstance(first, ast.Name) and first.id not in constants):
                    continue
                pattern = _pattern(node.args[0], constants)
                assert pattern is not None, f"{where}:{node.lineno}: a reason the test cannot read"
                reasons.append(Reason(f"{where}:{node.lineno}", pattern))
            if isinstance(node, ast.FunctionDef) and node.name == "_rejection":
                # processing's own reasons for failures that are not rejections (MemoryError...).
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple):
                        pattern = _pattern(ret.value.elts[0], constants)
                        if pattern is not None:
                            reasons.append(Reason(f"{where}:{ret.lineno}", pattern))
    return reasons


def section(markdown: str, heading: str) -> str:
    """The text of the section whose heading starts with `heading`, up to the next of its level."""
    match = re.search(rf"^(#+) {re.escape(heading)}.*$", markdown, re.M)
    assert match is not None, f"the guide has no section headed {heading!r}"
    level = len(match.group(1))
    rest = markdown[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def guide_reasons() -> list[str]:
    """The first cell of every table row in the guide's quarantine section, unquoted."""
    reasons: list[str] = []
    for line in section(GUIDE.read_text(encoding="utf-8"), QUARANTINE_HEADING).splitlines():
        if not line.startswith("|"):
            continue
        cell = line.strip("|").split(" | ")[0].strip()
        if cell.startswith("“") or cell.startswith('"'):
            reasons.append(plain(cell.strip('“”"')))
    return reasons


def plain(cell: str) -> str:
    """A table cell as the code would print it: markdown escapes and emphasis removed."""
    return re.sub(r"\\([|\\*_`\[\]])", r"\1", cell).replace("*", "")


# --- the tests --------------------------------------------------------------------------------


def test_docs_exist_and_quote_commands() -> None:
    assert GUIDE.is_file()
    assert (DOCS / "agencies.md").is_file()
    # The parser must find the commands the guide is built around, or the checks below are empty.
    quoted = {found.command for _, found in all_invocations()}
    assert {"init", "forms", "watch", "status", "report", "tracker", "ingest"} <= quoted


def test_every_fenced_block_says_what_it_holds() -> None:
    # An unlabelled block would escape the command checks, so each must be sh, text, ...
    unlabelled = [
        f"{path.name}: {block.strip().splitlines()[0]}"
        for path in doc_files()
        for _, kind, block in FENCE.findall(path.read_text(encoding="utf-8"))
        if not kind
    ]
    assert unlabelled == []


def test_every_command_in_the_docs_exists() -> None:
    known = set(cli.commands)
    wrong = [
        f"{path.name}: `{found.source}`"
        for path, found in all_invocations()
        if found.command is not None and found.command not in known
    ]
    assert wrong == [], f"commands the CLI does not have (known: {sorted(known)})"


def test_every_option_quoted_with_a_command_exists_on_it() -> None:
    wrong = []
    for path, found in all_invocations():
        command = cli.commands.get(found.command or "")
        accepted = GLOBAL_OPTIONS | (command_options(command) if command else set())
        wrong += [
            f"{path.name}: `{found.source}` ({o})" for o in found.options if o not in accepted
        ]
    assert wrong == []


def test_every_option_mentioned_alone_exists_somewhere() -> None:
    everywhere = GLOBAL_OPTIONS.union(*(command_options(c) for c in cli.commands.values()))
    wrong = []
    for path in doc_files():
        for text in INLINE_CODE.findall(path.read_text(encoding="utf-8")):
            for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", text):
                if option not in everywhere:
                    wrong.append(f"{path.name}: {option}")
    assert wrong == []


def test_links_and_pictures_exist() -> None:
    checked = 0
    wrong = []
    for path in doc_files():
        for target in LINK.findall(path.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            checked += 1
            if not dest.exists():
                wrong.append(f"{path.name}: {target}")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                wrong.append(f"{path.name}: {target} (no such heading)")
    assert wrong == []
    assert checked >= 10


def anchors(path: Path) -> set[str]:
    """GitHub's anchor for each heading of a markdown file."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", FENCE.sub("", path.read_text(encoding="utf-8")), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_pictures_in_the_guide_are_real_pngs() -> None:
    pictures = re.findall(r"!\[[^\]]+\]\(([^)\s]+)\)", GUIDE.read_text(encoding="utf-8"))
    assert len(pictures) >= 3
    for picture in pictures:
        assert (DOCS / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", picture


def test_code_reasons_are_found() -> None:
    reasons = code_reasons()
    # Sanity: the extraction sees precheck's, the readers' and identify's reasons.
    wheres = {r.where.split(":")[0] for r in reasons}
    assert {"pipeline/readers/precheck.py", "pipeline/identify.py"} <= wheres
    assert any(r.matches("This is a PDF, not a Word or Excel file.") for r in reasons)
    assert not any(r.matches("The file is empty (it may still be copying).") for r in reasons)


def test_every_quarantine_reason_in_the_code_is_explained_in_the_guide() -> None:
    written = guide_reasons()
    missing = [
        f"{r.where}: {r.pattern}" for r in code_reasons() if not any(r.matches(w) for w in written)
    ]
    assert missing == [], "add these reasons to the guide's quarantine table"


def test_every_reason_in_the_guide_is_one_the_code_gives() -> None:
    reasons = code_reasons()
    written = guide_reasons()
    assert len(written) >= 20
    stale = [w for w in written if not any(r.matches(w) for r in reasons)]
    assert stale == [], "the guide explains reasons qap no longer gives"


@pytest.mark.parametrize(
    "line, command, options",
    [
        ("qap --workspace /srv/qa watch --poll 30", "watch", ("--workspace", "--poll")),
        ("cd /x && qap forms --updates police  # comment", "forms", ("--updates",)),
        ("/opt/qap/bin/qap report AUDIT --pdf", "report", ("--pdf",)),
        ("QAP_WORKSPACE=/srv/qa sudo qap status --json", "status", ("--json",)),
    ],
)
def test_invocation_parser(line: str, command: str, options: tuple[str, ...]) -> None:
    (found,) = invocations(line)
    assert (found.command, found.options) == (command, options)


def test_output_mentioning_qap_is_not_a_command() -> None:
    assert invocations("old.doc: quarantined: This is a file, which qap does not read.") == []
    assert invocations("another qap is working on this workspace, waiting...") == []


def test_the_guide_covers_every_command() -> None:
    quoted = {found.command for path, found in all_invocations() if path == GUIDE}
    assert set(cli.commands) - quoted == set(), "commands the guide never shows"


def test_the_readme_links_the_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(LINK.findall(readme)) >= {"docs/guide.md", "docs/agencies.md"}


def test_the_service_examples_run_qap_watch_with_poll() -> None:
    unit = (DOCS / "qap-watch.service").read_text(encoding="utf-8")
    (exec_start,) = re.findall(r"(?m)^ExecStart=(.*)$", unit)
    (found,) = invocations(exec_start)
    assert (found.command, found.options) == ("watch", ("--poll",))
    task = (DOCS / "qap-watch-task.ps1").read_text(encoding="utf-8")
    assert "--workspace $Workspace watch --poll 30" in task
    assert set(command_options(cli.commands["watch"])) >= {"--poll", "--workspace"}
