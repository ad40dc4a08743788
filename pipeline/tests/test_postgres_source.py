"""The Postgres source against a real server: a throw-away database per session, read-only queries.

Uses the Postgres of the test setup (``DATABASE_URL``, as ``scripts/stack.sh`` exports it, or the local
default); fails, never skips, when that server is not reachable.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from ct_pipeline.errors import DataError, InvalidInput
from ct_pipeline.sources.postgres import database_url, read_query
from ct_pipeline.sources.timeout import statement_timeout_ms
from ct_pipeline.sources.window import TimeWindow
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


def test_query_with_a_time_window(source_url: str) -> None:
    # until 00:00 UTC in another zone: both bounds inclusive, the rows of Jan 11 to Jan 20
    sut = spec(
        "SELECT * FROM sales",
        time_column="ts",
        since="2024-01-11T00:00:00Z",
        until="2024-01-20T01:00:00+01:00",
    )

    extracted = load_frame(sut, SourceAccess(database_url=source_url))  # type: ignore[arg-type]

    assert len(extracted.frame) == 10
    assert extracted.frame["ts"].min() == dt.datetime(2024, 1, 11, tzinfo=dt.UTC)
    assert extracted.frame["ts"].max() == dt.datetime(2024, 1, 20, tzinfo=dt.UTC)


def test_until_alone_keeps_the_rows_up_to_the_mark(source_url: str) -> None:
    until = dt.datetime(2024, 1, 5, tzinfo=dt.UTC)

    frame = read_query(source_url, "SELECT * FROM sales", TimeWindow("ts", until=until))

    assert sorted(frame["ts"]) == [dt.datetime(2024, 1, day, tzinfo=dt.UTC) for day in range(1, 6)]


def test_missing_database_url_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="CT_SOURCE_DATABASE_URL"):
        resolve_source(spec("SELECT 1 AS y"), {})  # type: ignore[arg-type]
    assert database_url({"CT_SOURCE_DATABASE_URL": "postgresql://x"}) == "postgresql://x"


def rows_left(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM sales").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(
    "query",
    [
        "SELECT 1 AS y; COMMIT; DELETE FROM sales",  # simple protocol: the DELETE would run after the COMMIT
        "SELECT 1 AS y; DELETE FROM sales",
        "SELECT 1 AS y; SET TRANSACTION READ WRITE; DELETE FROM sales",
    ],
)
def test_a_second_statement_is_refused_and_nothing_runs(source_url: str, query: str) -> None:
    with pytest.raises(InvalidInput, match="refused, it holds more than one statement"):
        read_query(source_url, query)
    assert rows_left(source_url) == 40


def test_the_commit_attack_through_a_spec_is_invalid_input(source_url: str) -> None:
    sut = spec("SELECT 1 AS y; COMMIT; DELETE FROM sales")  # passes the spec's SELECT-or-WITH check

    with pytest.raises(InvalidInput, match="more than one statement"):
        load_frame(sut, SourceAccess(database_url=source_url))  # type: ignore[arg-type]
    assert rows_left(source_url) == 40


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("DELETE FROM sales", "tries to write"),
        ("INSERT INTO sales (y) VALUES (1) RETURNING y", "tries to write"),
        ("WITH gone AS (DELETE FROM sales RETURNING *) SELECT count(*) AS y FROM gone", "tries to write"),
        ("SELECT set_config('transaction_read_only', 'off', true) AS y", "tries to leave read-only mode"),
    ],
)
def test_a_write_is_refused_by_the_read_only_transaction(source_url: str, query: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=f"data.query: refused, the query {message}"):
        read_query(source_url, query)
    assert rows_left(source_url) == 40


def test_a_query_past_the_statement_timeout_is_a_data_error_soon(source_url: str) -> None:
    started = time.monotonic()

    with pytest.raises(DataError, match=r"stopped after 200 ms, the statement timeout \(CT_SOURCE_STATEMENT"):
        read_query(source_url, "SELECT pg_sleep(5) AS y", timeout_ms=200)
    assert time.monotonic() - started < 3


def test_percent_signs_in_the_query_survive_the_time_filter(source_url: str) -> None:
    query = "SELECT *, 'x%s' AS tag FROM sales WHERE 'a%' LIKE 'a%%' AND a % 1 = 0"  # a = i / 2: even days
    since = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)

    frame = read_query(source_url, query, TimeWindow("ts", since=since))

    assert len(frame) == 4 and set(frame["tag"]) == {"x%s"}
    assert len(read_query(source_url, query)) == 20
    until = dt.datetime(2024, 2, 5, tzinfo=dt.UTC)
    window = read_query(source_url, query, TimeWindow("ts", since, until))
    assert len(window) == 2 and set(window["tag"]) == {"x%s"}, "Feb 2 and Feb 4"


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 300_000), ("", 300_000), ("200", 200), (" 1500 ", 1500)]
)
def test_the_timeout_comes_from_the_environment(value: str | None, expected: int) -> None:
    environ = {} if value is None else {"CT_SOURCE_STATEMENT_TIMEOUT_MS": value}
    assert statement_timeout_ms(environ) == expected


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "2s", "٣", "2147483648"])
def test_a_bad_timeout_is_invalid_input_naming_the_variable(value: str) -> None:
    with pytest.raises(InvalidInput, match="CT_SOURCE_STATEMENT_TIMEOUT_MS must be a whole number"):
        statement_timeout_ms({"CT_SOURCE_STATEMENT_TIMEOUT_MS": value})


def test_the_source_access_carries_the_timeout() -> None:
    environ = {"CT_SOURCE_DATABASE_URL": "postgresql://x", "CT_SOURCE_STATEMENT_TIMEOUT_MS": "1234"}

    sut = resolve_source(spec("SELECT 1 AS y"), environ)  # type: ignore[arg-type]

    assert sut.statement_timeout_ms == 1234
