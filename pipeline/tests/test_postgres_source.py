"""The Postgres source against a real server: a throw-away database per session, read-only queries.

Uses the Postgres of the test setup (``DATABASE_URL``, as ``scripts/stack.sh`` exports it, or the local
default); fails, never skips, when that server is not reachable.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from ct_pipeline.errors import InvalidInput
from ct_pipeline.sources.postgres import database_url, read_query
from ct_pipeline.spec import parse_spec
from ct_pipeline.steps.extraction import SourceAccess, load_frame, resolve_source

ADMIN_URL = os.environ.get("DATABASE_URL", "postgresql://ct:ct@127.0.0.1:5440/ct")


@pytest.fixture(scope="module")
def source_url() -> Iterator[str]:
    name = f"ct_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.fail(f"no Postgres at {ADMIN_URL} (start it: bash scripts/stack.sh services up): {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(
                    "CREATE TABLE sales (ts timestamptz, a numeric, b double precision, y double precision)"
                )
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO sales VALUES (%s, %s, %s, %s)",
                        [
                            (
                                dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i),
                                i / 2,
                                i * 1.5,
                                i * 3.0,
                            )
                            for i in range(40)
                        ],
                    )
            yield url
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def spec(query: str, **extra: str) -> object:
    data = {"source": "postgres", "query": query, "target": "y", **extra}
    return parse_spec(
        {
            "pipeline": "p",
            "task": "regression",
            "data": data,
            "model": {"estimator": "sklearn.linear_model.Ridge"},
        }
    )


def test_query_with_a_time_filter(source_url: str) -> None:
    sut = spec("SELECT * FROM sales;", time_column="ts", since="2024-01-31T00:00:00Z")

    extracted = load_frame(sut, SourceAccess(database_url=source_url))  # type: ignore[arg-type]

    assert len(extracted.frame) == 10
    assert extracted.frame["a"].dtype == "float64", "NUMERIC arrives as float"
    assert extracted.frame["ts"].min() == dt.datetime(2024, 1, 31, tzinfo=dt.UTC)


def test_missing_database_url_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="CT_SOURCE_DATABASE_URL"):
        resolve_source(spec("SELECT 1 AS y"), {})  # type: ignore[arg-type]
    assert database_url({"CT_SOURCE_DATABASE_URL": "postgresql://x"}) == "postgresql://x"


def test_write_inside_a_cte_is_refused_by_the_read_only_transaction(source_url: str) -> None:
    query = "WITH gone AS (DELETE FROM sales RETURNING *) SELECT count(*) AS y FROM gone"

    with pytest.raises(InvalidInput, match="refused, the query tries to write"):
        read_query(source_url, query)
    assert len(read_query(source_url, "SELECT * FROM sales")) == 40


def test_a_second_writing_statement_is_refused(source_url: str) -> None:
    with pytest.raises(InvalidInput, match="refused"):
        read_query(source_url, "SELECT 1 AS y; DELETE FROM sales")
    assert len(read_query(source_url, "SELECT * FROM sales")) == 40
