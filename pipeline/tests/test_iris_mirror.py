"""The score job's IRIS mirror (``iris_mirror``): its SQL, rows and chunks, and when the driver is loaded.

No IRIS server is available here, and none is faked: the statements and rows given to the driver are tested
as data, the jobs are run with the driver missing or the server unreachable. Writing the table and setting
``^ML.Config("ModelPath")`` against a real IRIS was never run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from champions import LINE_SPEC, Champion, line_points, new_run, train_champion
from child import Finished, run_child, worker_env
from conftest import free_port

from ct_pipeline.errors import InvalidInput
from ct_pipeline.scoring.iris_mirror import (
    COLUMNS,
    CREATE_TABLE,
    DELETE_JOB_ROWS,
    INSERT_ROW,
    MODEL_PATH_NODE,
    TABLE_EXISTS,
    MirrorConstants,
    chunked,
    load_mirror_driver,
    mirror_connection,
    prediction_rows,
)
from ct_pipeline.scoring.predictions_file import HEADER
from ct_pipeline.scoring.score_task import load_score_task
from ct_pipeline.sources.iris import IrisConnection

CONSTANTS = MirrorConstants(
    pipeline="team-a.points",
    model_version="3",
    run_id="abc123",
    job_id="job-1",
    scored_at=dt.datetime(2026, 3, 1, 12, 30, 5, 250_000, tzinfo=dt.timezone(dt.timedelta(hours=2))),
)


def test_the_insert_names_every_column_once_with_a_placeholder_each() -> None:
    names = re.search(r"\((.*?)\) VALUES \((.*)\)", INSERT_ROW)
    assert names is not None
    assert INSERT_ROW.startswith("INSERT INTO CT.Predictions ")
    assert tuple(names.group(1).split(", ")) == COLUMNS
    assert names.group(2).split(", ") == ["?"] * len(COLUMNS)


def test_the_table_is_made_with_every_column_and_looked_up_by_parameters() -> None:
    assert CREATE_TABLE.startswith("CREATE TABLE CT.Predictions (")
    declared = [part.strip().split(" ")[0] for part in CREATE_TABLE.split("(", 1)[1].rstrip(")").split(", ")]
    assert tuple(declared) == COLUMNS
    sql, params = TABLE_EXISTS
    assert "INFORMATION_SCHEMA.TABLES" in sql and sql.count("?") == 2 and params == ("CT", "Predictions")
    assert DELETE_JOB_ROWS == "DELETE FROM CT.Predictions WHERE JobId = ?"
    assert MODEL_PATH_NODE == ("ML.Config", "ModelPath")


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    lines = [",".join(HEADER), *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (("p-1", "2.5", "", '"{""x"":1}"', "h", "12.5"), ("p-1", 2.5, 12.5)),
        (("job-1:0", "-1e-07", "", "{}", "h", ""), ("job-1:0", -1e-07, None)),
        (('"a,b"', "1.0", '"{""0"":0.2,""1"":0.8}"', "{}", "h", "3"), ("a,b", 1.0, 3.0)),
    ],
    ids=["a regression row", "no inference time", "a quoted key of a classifier"],
)
def test_prediction_rows_carry_the_jobs_constants(
    tmp_path: Path, row: tuple[str, ...], expected: tuple[Any, ...]
) -> None:
    path = write_csv(tmp_path / "predictions.csv", [row])

    (sut,) = list(prediction_rows(path, CONSTANTS))

    key, prediction, inference = expected
    scored_at = dt.datetime(2026, 3, 1, 10, 30, 5, 250_000)  # naive UTC
    assert sut == ("team-a.points", "3", "abc123", key, prediction, scored_at, inference, "job-1")
    assert len(sut) == len(COLUMNS)


@pytest.mark.parametrize(
    ("rows", "size", "lengths"),
    [(0, 3, []), (2, 3, [2]), (3, 3, [3]), (7, 3, [3, 3, 1]), (2_500, 1_000, [1_000, 1_000, 500])],
)
def test_rows_are_inserted_in_chunks(rows: int, size: int, lengths: list[int]) -> None:
    sut = list(chunked(((i,) for i in range(rows)), size))

    assert [len(chunk) for chunk in sut] == lengths
    assert [row for chunk in sut for row in chunk] == [(i,) for i in range(rows)]


@pytest.mark.parametrize(
    ("environ", "outcome"),
    [
        ({}, "needs CT_IRIS_URL"),
        ({"CT_IRIS_URL": ""}, "needs CT_IRIS_URL"),
        ({"CT_IRIS_URL": "postgres://u@h/db"}, "must look like iris://"),
        ({"CT_IRIS_URL": "iris://ct:s%40@iris:1973/USER"}, IrisConnection("iris", 1973, "USER", "ct", "s@")),
    ],
)
def test_the_mirror_connects_with_ct_iris_url(environ: dict[str, str], outcome: Any) -> None:
    if isinstance(outcome, IrisConnection):
        assert mirror_connection(environ) == outcome
    else:
        with pytest.raises(InvalidInput, match=outcome):
            mirror_connection(environ)


def test_a_missing_driver_is_invalid_input(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_iris(name: str) -> Any:
        raise ModuleNotFoundError(f"No module named {name!r}")

    monkeypatch.setattr("importlib.import_module", no_iris)

    with pytest.raises(InvalidInput, match=r"iris_mirror: .*install the iris extra"):
        load_mirror_driver()


@pytest.mark.parametrize(("value", "expected"), [(None, False), (False, False), (True, True), ("yes", None)])
def test_the_task_files_iris_mirror(tmp_path: Path, value: Any, expected: bool | None) -> None:
    task = {"kind": "score", "spec": LINE_SPEC, "output": str(tmp_path / "predictions.csv")}
    if value is not None:
        task["iris_mirror"] = value
    path = tmp_path / "task.json"
    path.write_text(json.dumps(task), encoding="utf-8")

    if expected is None:
        with pytest.raises(InvalidInput, match="iris_mirror: 'yes' is not of type 'boolean'"):
            load_score_task(path, {"CT_JOB_ID": "job-1"})
    else:
        assert load_score_task(path, {"CT_JOB_ID": "job-1"}).iris_mirror is expected


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory, tracking_uri: str) -> Champion:
    folder = tmp_path_factory.mktemp("line")
    return train_champion(folder, tracking_uri, LINE_SPEC, line_points(20, seed=4), "points.csv")


def score_job(tmp_path: Path, champion: Champion, uri: str, mirror: bool, extra: dict[str, str]) -> Finished:
    """A score job as the worker runs it; the ``iris`` module on the path first, when ``extra`` gives one."""
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    task = {
        "kind": "score",
        "job_id": "job-1",
        "spec": champion.spec,
        "registered_model": champion.registered_model,
        "model": "champion",
        "key_column": "id",
        "output": str(exchange / "predictions.csv"),
        "iris_mirror": mirror,
    }
    path = exchange / "task.json"
    path.write_text(json.dumps(task), encoding="utf-8")
    env = worker_env(tmp_path, uri, new_run(uri, "score"), champion.data_root, extra)
    env["CT_MODEL_CACHE_DIR"] = str(tmp_path / "cache")
    return run_child(path, env, cwd=exchange, module="ct_pipeline.score")


def blocked_driver(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A module named ``iris`` first on the path, which records that it was imported and fails to load."""
    marker = tmp_path / "iris-imported"
    (tmp_path / "block").mkdir()
    (tmp_path / "block" / "iris.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise ImportError('not installed')\n", encoding="utf-8"
    )
    return {"PYTHONPATH": str(tmp_path / "block")}, marker


def test_without_the_mirror_the_driver_is_never_imported(
    tmp_path: Path, tracking_uri: str, line: Champion
) -> None:
    extra, marker = blocked_driver(tmp_path)
    done = score_job(
        tmp_path, line, tracking_uri, False, {**extra, "CT_IRIS_URL": "iris://ct:ct@nowhere:1/USER"}
    )

    assert done.returncode == 0, done.stderr
    assert done.result["rows"] == 20
    assert not marker.exists()
    assert not any("IRIS" in event["message"] for event in done.of_type("log"))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (None, "iris_mirror: mirroring to IRIS needs CT_IRIS_URL"),
        ("iris://ct:ct@h/USER", "install the iris extra"),
    ],
    ids=["no CT_IRIS_URL", "no driver"],
)
def test_a_mirror_that_cannot_run_is_invalid_input_before_the_work(
    tmp_path: Path, tracking_uri: str, line: Champion, url: str | None, message: str
) -> None:
    extra, marker = blocked_driver(tmp_path)
    done = score_job(tmp_path, line, tracking_uri, True, {**extra, **({"CT_IRIS_URL": url} if url else {})})

    assert done.returncode == 2, done.stderr
    assert done.reason == "invalid_input" and done.result["step"] is None
    assert message in done.result["message"]
    assert marker.exists() is (url is not None)
    assert not (tmp_path / "exchange" / "predictions.csv").exists()


def test_an_unreachable_iris_is_infrastructure_after_the_predictions(
    tmp_path: Path, tracking_uri: str, line: Champion
) -> None:
    url = f"iris://ct:secret@127.0.0.1:{free_port()}/USER"  # the real driver, and no server
    done = score_job(tmp_path, line, tracking_uri, True, {"CT_IRIS_URL": url})

    assert done.returncode == 5, done.stderr
    assert done.reason == "infrastructure" and done.result["step"] == "evaluation"
    assert "iris_mirror: cannot reach IRIS" in done.result["message"]
    assert "secret" not in done.result["message"]
    assert (tmp_path / "exchange" / "predictions.csv").is_file()
