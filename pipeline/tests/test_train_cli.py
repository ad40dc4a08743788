"""The command line in process: what it does with a bad command line or spec, before MLflow is contacted."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from contract_check import read_events

from ct_pipeline.exit_codes import INFRASTRUCTURE, INVALID_INPUT
from ct_pipeline.train import main


class EventPipe:
    """An OS pipe whose write end goes to `main` as ``CT_EVENTS_FD``."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.environ = {"CT_EVENTS_FD": str(self.write_fd)}

    def events(self) -> list[dict[str, Any]]:
        with os.fdopen(self.read_fd, "rb") as reader:  # main closed the write end
            return read_events(reader.read())


@pytest.fixture
def pipe() -> Iterator[EventPipe]:
    yield EventPipe()


@pytest.mark.parametrize(
    ("argv", "message"),
    [([], "command line: the following arguments are required: --spec"), (["--spec"], "command line:")],
)
def test_bad_command_line_is_invalid_input(
    pipe: EventPipe, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv, pipe.environ) == INVALID_INPUT

    (result,) = pipe.events()
    assert result["payload"]["status"] == "failed" and result["payload"]["step"] is None
    assert result["payload"]["message"].startswith(message)
    assert message in capsys.readouterr().err


def test_invalid_spec_is_reported_with_the_field(pipe: EventPipe, tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text('{"pipeline": "p", "task": "regression", "data": {"source": "sklearn", "name": "iris"}}')

    assert main(["--spec", str(spec)], pipe.environ) == INVALID_INPUT

    (result,) = pipe.events()
    assert result["payload"]["message"] == "spec: 'model' is a required property"


def test_run_id_without_tracking_uri_is_an_infrastructure_error(pipe: EventPipe) -> None:
    example = Path(__file__).parent.parent / "examples" / "diabetes-lgbm.json"

    code = main(["--spec", str(example)], {**pipe.environ, "MLFLOW_RUN_ID": "0" * 32})

    assert code == INFRASTRUCTURE
    (result,) = pipe.events()
    assert result["payload"]["message"] == "MLFLOW_RUN_ID is set but MLFLOW_TRACKING_URI is not"
