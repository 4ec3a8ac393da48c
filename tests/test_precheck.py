"""The pre-check: ignored names, and every hostile file retried or rejected with a clear reason."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from pipeline.errors import ReturnRejected
from pipeline.readers.precheck import _unsafe_member, ignored_name, precheck_file
from tests.hostile import (
    ACCEPT,
    IGNORED,
    NOT_IGNORED,
    REJECT,
    RETRY,
    UNREADABLE,
    Hostile,
    build_hostile,
)


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Hostile]:
    return build_hostile(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("name", IGNORED)
def test_owner_temp_and_hidden_files_are_ignored(name: str) -> None:
    assert ignored_name(name)


@pytest.mark.parametrize("name", NOT_IGNORED)
def test_ordinary_names_are_not_ignored(name: str) -> None:
    assert not ignored_name(name)


def test_every_hostile_file_gets_its_verdict(hostile: dict[str, Hostile]) -> None:
    wrong: list[str] = []
    for name, case in sorted(hostile.items()):
        try:
            fmt = precheck_file(case.path)
        except ReturnRejected as exc:
            verdict = RETRY if exc.retry else REJECT
            if verdict != case.verdict or case.reason not in exc.reason or not exc.advice:
                wrong.append(f"{name}: {verdict} {exc.reason!r} {exc.advice!r}")
            continue
        if case.verdict not in (ACCEPT, UNREADABLE) or fmt not in ("docx", "xlsx"):
            wrong.append(f"{name}: accepted as {fmt}, expected {case.verdict} {case.reason!r}")
    assert wrong == []


def test_every_kind_of_hostile_file_is_built(hostile: dict[str, Hostile]) -> None:
    verdicts = {case.verdict for case in hostile.values()}
    assert verdicts == {ACCEPT, REJECT, RETRY, UNREADABLE}
    assert len([n for n in hostile if n.startswith("doctype_in_")]) >= 15


def test_macro_enabled_files_are_read_as_data(hostile: dict[str, Hostile]) -> None:
    assert precheck_file(hostile["return_macro_enabled.docm"].path) == "docx"
    assert precheck_file(hostile["return_macro_enabled.xlsm"].path) == "xlsx"


def test_password_message_tells_the_coordinator_what_to_ask(hostile: dict[str, Hostile]) -> None:
    with pytest.raises(ReturnRejected) as caught:
        precheck_file(hostile["password_protected.docx"].path)
    assert caught.value.reason == "The file is password-protected."
    assert caught.value.advice == "Ask the agency to remove the password and send it again."
    assert caught.value.retry is False


def test_missing_file_is_retried(tmp_path: Path) -> None:
    with pytest.raises(ReturnRejected) as caught:
        precheck_file(tmp_path / "gone.docx")
    assert caught.value.retry is True


PEAK_RSS = """
import resource, sys
from pathlib import Path
from pipeline.errors import ReturnRejected
from pipeline.readers import read_return
try:
    read_return(Path(sys.argv[1]))
    outcome = "read"
except ReturnRejected as exc:
    outcome = "retry" if exc.retry else "rejected"
# ru_maxrss can carry the forking parent's size over exec; VmHWM belongs to this process alone.
status = Path("/proc/self/status")
if status.exists():
    line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
    peak_kb = int(line.split()[1])
else:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(outcome, peak_kb // 1024)
"""


def test_memory_stays_bounded_reading_every_hostile_file(hostile: dict[str, Hostile]) -> None:
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    def peak(case: Hostile) -> tuple[str, int]:
        done = subprocess.run(
            [sys.executable, "-c", PEAK_RSS, str(case.path)],
            capture_output=True,
            text=True,
            check=True,
        )
        outcome, megabytes = done.stdout.split()
        return outcome, int(megabytes)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = dict(zip(hostile, pool.map(peak, hostile.values()), strict=True))
    assert {name: mb for name, (_, mb) in results.items() if mb >= 300} == {}
    expected = {
        name: "read" if case.verdict == ACCEPT else "retry" if case.verdict == RETRY else "rejected"
        for name, case in hostile.items()
    }
    assert {name: outcome for name, (outcome, _) in results.items()} == expected


def _unsafe_by_steps(name: str) -> bool:
    """The path check spelled out step by step, as it was before it became one regex."""
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return True
    return ".." in name.split("/")


def test_the_unsafe_path_regex_agrees_with_the_steps_on_every_short_name() -> None:
    pieces = ["a", "/", "\\", ".", "..", ":", "C", "\x00", "\n", "x.xml", "é"]
    names = ["".join(p) for k in range(1, 6) for p in itertools.product(pieces, repeat=k)]
    unsafe = [name for name in names if _unsafe_by_steps(name)]
    assert [name for name in names if _unsafe_member(name)] == unsafe
    assert "../x.xml" in unsafe and "a/..\n" not in unsafe


def test_name_facts_remembered_agree_with_the_checks_and_stay_bounded() -> None:
    from pipeline.readers import precheck

    names = [f"../part{i}.xml" for i in range(precheck.NAME_FACTS_KEPT + 20)]
    names += ["word/document.xml", "docProps/thumbnail.jpeg", "a" * 300 + ".rels", "C:/x.xml"]
    for _ in range(2):
        for name in names:
            facts = precheck._NAME_FACTS.get(name) or precheck._name_facts(name)
            assert facts == (_unsafe_member(name), precheck._is_xml(name)), name
    assert len(precheck._NAME_FACTS) <= precheck.NAME_FACTS_KEPT
    assert all(len(name) <= precheck.NAME_KEPT_CHARS for name in precheck._NAME_FACTS)


def _outcome(path: Path) -> str:
    try:
        return precheck_file(path)
    except ReturnRejected as exc:
        return f"{exc.reason} {exc.advice} {exc.retry}"


def test_a_remembered_package_description_gives_every_file_the_same_verdict(
    hostile: dict[str, Hostile],
) -> None:
    from pipeline.readers import precheck

    fresh = {}
    for name, case in sorted(hostile.items()):
        # Each file judged with nothing remembered from another.
        precheck._DESCRIBED.clear()
        fresh[name] = _outcome(case.path)
    # Then all of them twice over, each judged after every other file's description is kept.
    for _ in range(2):
        for name, case in sorted(hostile.items()):
            assert _outcome(case.path) == fresh[name], name
    assert len({*fresh.values()}) > 5  # accepted and rejected alike
    assert 0 < len(precheck._DESCRIBED) <= precheck.DESCRIBED_KEPT
