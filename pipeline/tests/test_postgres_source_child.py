"""The Postgres source's guards as a job meets them: the pipeline process, its exit code and failure reason.

Reads a throw-away table in a fresh schema of the test setup's Postgres (``DATABASE_URL``), dropped after.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from child import Finished, run_child, worker_env
from conftest import write_spec

from ct_pipeline import exit_codes

ADMIN_URL = os.environ.get("DATABASE_URL", "postgresql://ct:ct@127.0.0.1:5440/ct")


@pytest.fixture(scope="module")
def table() -> Iterator[str]:
    """``<schema>.sales``, 30 rows, in a schema of its own."""
    schema = f"ct_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            conn.execute(f'CREATE TABLE "{schema}".sales AS SELECT i::float AS a, i * 2.0 AS y '
                         "FROM generate_series(1, 30) AS i")  # fmt: skip
            yield f'"{schema}".sales'
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def rows_in(table: str) -> int:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def run_query(tmp_path: Path, tracking_uri: str, run_id: str | None, query: str, **extra: str) -> Finished:
    spec: dict[str, Any] = {
        "pipeline": "pg-source",
        "task": "regression",
        "data": {"source": "postgres", "query": query, "target": "y"},
        "model": {"estimator": "sklearn.linear_model.Ridge"},
    }
    env = worker_env(tmp_path, tracking_uri, run_id, data_root=tmp_path, extra=extra)
    return run_child(write_spec(tmp_path, spec), env, cwd=tmp_path)


def test_the_worker_s_statement_timeout_stops_a_slow_query(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    started = time.monotonic()

    done = run_query(
        tmp_path,
        tracking_uri,
        worker_run,
        "SELECT pg_sleep(30) AS y",
        CT_SOURCE_DATABASE_URL=ADMIN_URL,
        CT_SOURCE_STATEMENT_TIMEOUT_MS="200",
    )

    assert done.returncode == exit_codes.DATA_ERROR, done.stderr
    assert (done.reason, done.result["step"]) == ("data_error", "extraction")
    assert "stopped after 200 ms, the statement timeout" in done.result["message"]
    assert time.monotonic() - started < 25, "the 30 s query was not stopped"


def test_the_commit_attack_ends_invalid_input_and_deletes_nothing(
    tmp_path: Path, tracking_uri: str, worker_run: str, table: str
) -> None:
    query = f"SELECT a, y FROM {table}; COMMIT; DELETE FROM {table}"

    done = run_query(tmp_path, tracking_uri, worker_run, query, CT_SOURCE_DATABASE_URL=ADMIN_URL)

    assert done.returncode == exit_codes.INVALID_INPUT, done.stderr
    assert done.reason == "invalid_input"
    assert "more than one statement" in done.result["message"]
    assert rows_in(table) == 30


def test_a_bad_timeout_setting_is_invalid_input_before_mlflow(tmp_path: Path) -> None:
    done = run_query(
        tmp_path,
        "http://127.0.0.1:9",  # never contacted
        None,
        "SELECT 1 AS y",
        CT_SOURCE_DATABASE_URL=ADMIN_URL,
        CT_SOURCE_STATEMENT_TIMEOUT_MS="5s",
    )

    assert done.returncode == exit_codes.INVALID_INPUT, done.stderr
    assert "CT_SOURCE_STATEMENT_TIMEOUT_MS must be a whole number" in done.result["message"]
