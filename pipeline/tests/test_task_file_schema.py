"""The task files against the schemas exported from the TypeScript contract (``packages/shared``).

``tests/fixtures/*-task.json`` are what the worker writes: its unit test (apps/worker task-file.spec.ts)
checks that it builds exactly these, and the shared package's test parses them with the zod schemas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ct_pipeline.errors import InvalidInput
from ct_pipeline.monitoring.monitor_task import load_monitor_task
from ct_pipeline.scoring.score_task import load_score_task
from ct_pipeline.task_file import TaskKind, check_task, task_validator

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(kind: TaskKind) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{kind}-task.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", ["score", "monitor"])
def test_the_file_the_worker_writes_is_valid(kind: TaskKind) -> None:
    sut = fixture(kind)

    assert check_task(sut, kind) is sut
    assert task_validator(kind).schema["$id"] == f"https://ct.local/schemas/{kind}-task.schema.json"


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        ("score", {"kind": "monitor"}, "kind: 'score' was expected"),
        ("score", {"spec": "points.yaml"}, "spec: 'points.yaml' is not of type 'object'"),
        ("score", {"since": "2026-12-01"}, "since: must be an ISO date-time with a time zone"),
        ("score", {"rows": [{"x": {"y": 1}}]}, "rows[0].x: must be number or string or boolean or null"),
        ("score", {"key_column": ""}, "key_column: '' should be non-empty"),
        ("score", {"iris_mirror": 1}, "iris_mirror: 1 is not of type 'boolean'"),
        ("score", {"irisMirror": True}, "task file: Additional properties are not allowed ('irisMirror'"),
        ("monitor", {"model_version": 3}, "model_version: must be string or null, got 3"),
        ("monitor", {"min_samples": 1.5}, "min_samples: 1.5 is not of type 'integer'"),
        ("monitor", {"registered_model": None}, "registered_model: None is not of type 'string'"),
    ],
    ids=[
        "kind",
        "spec",
        "since",
        "cell",
        "key column",
        "iris mirror",
        "unknown field",
        "version",
        "min samples",
        "registered model",
    ],
)
def test_a_wrong_field_is_named(kind: TaskKind, change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_task({**fixture(kind), **change}, kind)
    assert message in caught.value.message


@pytest.mark.parametrize("missing", ["kind", "spec", "output"])
def test_a_missing_field_is_named(missing: str) -> None:
    task = {k: v for k, v in fixture("score").items() if k != missing}
    with pytest.raises(InvalidInput, match=f"task file: '{missing}' is a required property"):
        check_task(task, "score")


def test_the_readers_take_the_workers_files(tmp_path: Path) -> None:
    (tmp_path / "window.csv").write_text("row_key,prediction,outcome,features,scored_at\n", encoding="utf-8")
    # The worker's exchange folder is elsewhere: only the paths change.
    paths: dict[TaskKind, dict[str, str]] = {
        "score": {"output": str(tmp_path / "predictions.csv")},
        "monitor": {"input": str(tmp_path / "window.csv")},
    }
    for kind, moved in paths.items():
        (tmp_path / f"{kind}.json").write_text(json.dumps(fixture(kind) | moved), encoding="utf-8")

    score = load_score_task(tmp_path / "score.json", {})
    monitor = load_monitor_task(tmp_path / "monitor.json", {})

    assert (score.job_id, score.registered_model, score.model, score.iris_mirror) == (
        "6f1c5a52-1d0e-4a4e-9a43-2b1f3f4c0a11",
        "team-a.points",
        "champion",
        False,
    )
    assert score.source is not None and score.source.data.time_column == "ts"
    assert (monitor.model_version, monitor.window_start, monitor.min_samples) == (
        "3",
        "2026-12-01T00:00:00.000Z",
        1,
    )


def test_a_hand_written_task_gets_the_schemas_defaults(tmp_path: Path) -> None:
    path = tmp_path / "task.json"
    task = {"kind": "score", "spec": fixture("score")["spec"], "output": str(tmp_path / "p.csv")}
    path.write_text(json.dumps(task), encoding="utf-8")

    sut = load_score_task(path, {"CT_JOB_ID": "j-1"})

    assert (sut.job_id, sut.registered_model, sut.model, sut.key_column, sut.iris_mirror) == (
        "j-1",
        "points",
        "champion",
        "id",
        False,
    )
    assert sut.rows is None and sut.source is not None and sut.source.data.since is None
