"""A read-only SQL query on Postgres (the database named by ``CT_SOURCE_DATABASE_URL``).

The query runs in a READ ONLY transaction with a statement timeout, through the extended protocol (one
statement only). A query that tries to write anyway (say, inside a CTE) is refused by Postgres itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import pandas as pd
import psycopg
from psycopg import errors, sql

from ct_pipeline.errors import DataError, InfrastructureError, InvalidInput

DATABASE_URL_VAR: Final = "CT_SOURCE_DATABASE_URL"
STATEMENT_TIMEOUT_VAR: Final = "CT_SOURCE_STATEMENT_TIMEOUT_MS"
DEFAULT_TIMEOUT_MS: Final = 300_000
CONNECT_TIMEOUT_S: Final = 10


def database_url(environ: Mapping[str, str]) -> str:
    """The source database's URL; `InvalidInput` naming the variable when it is not set."""
    url = environ.get(DATABASE_URL_VAR)
    if not url:
        raise InvalidInput(
            f"data.source: a postgres source needs {DATABASE_URL_VAR} (the source database's URL) "
            "in the environment"
        )
    return url


def read_query(
    url: str,
    query: str,
    time_column: str | None = None,
    since: dt.datetime | None = None,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> pd.DataFrame:
    """Run ``query`` read-only; with ``since``, keep only rows whose ``time_column`` is at or after it."""
    body = query.strip().rstrip(";")
    statement: sql.Composable = sql.SQL(body)  # type: ignore[arg-type]  # the spec's query, by design
    params: tuple[object, ...] = ()
    if since is not None and time_column is not None:
        statement = sql.SQL("SELECT * FROM (\n{}\n) AS ct_source WHERE {} >= %s").format(
            statement, sql.Identifier(time_column)
        )
        params = (since,)
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            conn.read_only = True
            with conn.cursor() as cur:
                cur.execute("SELECT set_config('statement_timeout', %s, true)", (str(timeout_ms),))
                cur.execute(statement, params)
                if cur.description is None:
                    raise DataError("data.query: the query returned no rows (it is not a SELECT)")
                columns = [column.name for column in cur.description]
                rows = cur.fetchall()
            conn.rollback()
    except errors.ReadOnlySqlTransaction as exc:
        raise InvalidInput(f"data.query: refused, the query tries to write ({exc})".strip()) from exc
    except errors.QueryCanceled as exc:
        raise DataError(f"data.query: cancelled after the statement timeout of {timeout_ms} ms") from exc
    except psycopg.OperationalError as exc:
        raise InfrastructureError(f"cannot reach the source database: {exc}".strip()) from exc
    except psycopg.Error as exc:
        raise DataError(f"data.query failed: {type(exc).__name__}: {exc}".strip()) from exc
    return _numeric_decimals(pd.DataFrame.from_records(rows, columns=columns))


def _numeric_decimals(frame: pd.DataFrame) -> pd.DataFrame:
    """NUMERIC columns arrive as Decimal objects: make them floats, as a CSV reader would."""
    for name in frame.columns:
        values = frame[name].dropna()
        if frame[name].dtype == object and len(values) and all(isinstance(v, Decimal) for v in values):
            frame[name] = frame[name].astype("float64")
    return frame
