"""The README's examples work: its code runs as the worker would run it, and its sample line is valid."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from ct_pipeline.events import EVENTS_FD_VAR, parse_event

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def fenced(language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)```", README, re.DOTALL)
    assert match, f"README has no {language} example"
    return match.group(1)


def test_readme_example_line_is_a_valid_event() -> None:
    event = parse_event(fenced("json").strip())

    assert event["type"] == "step.finished" and event["status"] == "failed"


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
        events = [parse_event(line) for line in reader.read().splitlines()]

    assert child.returncode == 0, child.stderr
    assert child.stdout == b"plain output\n"
    assert [e["type"] for e in events] == ["step.started", "progress", "metric", "step.finished", "result"]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert events[3]["status"] == "ok"
