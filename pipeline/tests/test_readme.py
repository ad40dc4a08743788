"""The README's examples work: its code runs as the worker would run it, and its sample line is valid."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from contract_check import read_event, read_events

from ct_pipeline.events import EVENTS_FD_VAR
from ct_pipeline.exit_codes import EXIT_CODES
from ct_pipeline.spec import parse_spec

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def fenced_all(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL)


def fenced(language: str) -> str:
    blocks = fenced_all(language)
    assert blocks, f"README has no {language} example"
    return blocks[0]


def test_readme_example_line_is_a_valid_event() -> None:
    (line,) = [block for block in fenced_all("json") if block.startswith('{"v":')]
    event = read_event(line.strip())

    assert event["type"] == "step.finished" and event["status"] == "failed"


def test_readme_spec_is_the_example_file_and_valid() -> None:
    (block,) = [block for block in fenced_all("json") if '"pipeline"' in block]
    example = Path(__file__).parent.parent / "examples" / "diabetes-lgbm.json"

    assert json.loads(block) == json.loads(example.read_text(encoding="utf-8"))
    assert parse_spec(json.loads(block)).pipeline == "diabetes-lgbm"


def test_readme_exit_codes_match_the_module() -> None:
    rows = dict(re.findall(r"^\| (\d)\s+\| `(\w+)`", README, re.MULTILINE))

    assert rows == {str(code): reason.value for reason, code in EXIT_CODES.items()}


def test_readme_code_reports_on_the_inherited_fd_not_on_stdout() -> None:
    read_fd, write_fd = os.pipe()
    try:
        child = subprocess.run(
            [sys.executable, "-c", fenced("python") + "print('plain output')"],
            env={**os.environ, EVENTS_FD_VAR: str(write_fd)},
            pass_fds=[write_fd],
            capture_output=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd, "rb") as reader:
        events = read_events(reader.read())

    assert child.returncode == 0, child.stderr
    assert child.stdout == b"plain output\n"
    assert [e["type"] for e in events] == ["step.started", "progress", "metric", "step.finished", "result"]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert events[3]["status"] == "ok"
