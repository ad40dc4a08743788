"""Registered champions for the score and monitor tests: a tiny pipeline trained and promoted for real."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from child import Finished, run_child, worker_env
from conftest import write_spec
from mlflow.tracking import MlflowClient

LINE_SPEC: dict[str, Any] = {
    "pipeline": "points",
    "task": "regression",
    "data": {
        "source": "csv",
        "path": "points.csv",
        "target": "y",
        "features": ["x1", "x2"],
        "time_column": "ts",
    },
    "model": {"estimator": "sklearn.linear_model.LinearRegression"},
}
LABEL_SPEC: dict[str, Any] = {
    "pipeline": "labels",
    "task": "binary_classification",
    "data": {"source": "csv", "path": "labels.csv", "target": "label", "features": ["x1", "x2"]},
    "model": {"estimator": "sklearn.linear_model.LogisticRegression"},
}


@dataclass(frozen=True)
class Champion:
    """A registered model whose version 1 holds the alias ``champion``, and the data it was trained on."""

    registered_model: str
    version: str
    run_id: str
    spec: dict[str, Any]
    data_root: Path
    file: str

    @property
    def frame(self) -> pd.DataFrame:
        """The training data as the pipeline reads it back (CSV floats may differ in the last digit)."""
        return pd.read_csv(self.data_root / self.file)


def line_points(rows: int, seed: int, start: str = "2024-01-01") -> pd.DataFrame:
    """Points near the plane y = 3 x1 - 2 x2 + 1, with an id and an hourly time column."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x1": rng.normal(size=rows), "x2": rng.normal(size=rows)})
    frame["y"] = 3 * frame["x1"] - 2 * frame["x2"] + 1 + rng.normal(scale=0.1, size=rows)
    frame.insert(0, "id", [f"p{seed}-{i}" for i in range(rows)])
    times = pd.date_range(start, periods=rows, freq="h", tz="UTC")
    frame["ts"] = times.strftime("%Y-%m-%dT%H:%M:%SZ")
    return frame


def labelled_points(rows: int, seed: int) -> pd.DataFrame:
    """Points labelled 1 above the line x2 = x1, else 0."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x1": rng.normal(size=rows), "x2": rng.normal(size=rows)})
    frame["label"] = (frame["x2"] > frame["x1"]).astype(int)
    return frame


def train_champion(
    folder: Path, tracking_uri: str, spec: dict[str, Any], frame: pd.DataFrame, file: str
) -> Champion:
    """Train ``spec`` on ``frame`` (saved as ``file`` under ``folder/data``) as the worker would, promoted."""
    data_root = folder / "data"
    data_root.mkdir(parents=True, exist_ok=True)
    frame.to_csv(data_root / file, index=False)
    name = f"ct-test.{uuid.uuid4().hex[:10]}"
    client = MlflowClient(tracking_uri)
    experiment = client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")
    run_id = client.create_run(experiment).info.run_id
    env = worker_env(folder, tracking_uri, run_id, data_root, {"CT_REGISTERED_MODEL": name})
    done = run_child(write_spec(folder, spec), env, cwd=folder)
    assert done.returncode == 0, done.stderr
    assert done.result["decision"]["alias"] == "champion", done.result
    return Champion(name, done.result["model_version"], run_id, spec, data_root, file)


def new_run(tracking_uri: str, kind: str) -> str:
    """A run the worker would create for a score or monitor job."""
    client = MlflowClient(tracking_uri)
    experiment = client.create_experiment(f"ct-test-{kind}-{uuid.uuid4().hex[:12]}")
    return client.create_run(experiment, tags={"ct.job_id": "job-test"}).info.run_id


def run_task(
    module: str,
    folder: Path,
    task: dict[str, Any],
    tracking_uri: str,
    run_id: str,
    data_root: Path,
    cache: Path,
) -> Finished:
    """Write ``task`` as ``folder/task.json`` and run ``python -m module`` on it as the worker does."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "task.json"
    path.write_text(json.dumps(task), encoding="utf-8")
    env = worker_env(folder, tracking_uri, run_id, data_root, {"CT_MODEL_CACHE_DIR": str(cache)})
    return run_child(path, env, cwd=folder, module=module)


# A score job's task file as the worker writes it, but for its champion, spec and output.
SCORE_TASK: dict[str, Any] = {
    "kind": "score",
    "job_id": "job-1",
    "model": "champion",
    "source": None,
    "since": None,
    "until": None,
    "rows": None,
    "key_column": "id",
}


def score_task(champion: Champion, exchange: Path, **fields: Any) -> dict[str, Any]:
    """The task file of a score job of ``champion``'s champion, its predictions written into ``exchange``."""
    return {
        **SCORE_TASK,
        "spec": champion.spec,
        "registered_model": champion.registered_model,
        "output": str(exchange / "predictions.csv"),
        **fields,
    }
