"""A read-only SQL query on Postgres (the database named by ``CT_SOURCE_DATABASE_URL``).

Three guards, each enforced by the server rather than by parsing SQL here:

- one statement: the query goes through the extended protocol (a prepared statement), which refuses
  ``SELECT 1; COMMIT; DELETE ...``. Without parameters psycopg would otherwise use the simple protocol, which
  runs every statement of the string, a ``COMMIT`` included, and then the ``DELETE`` outside our transaction;
- read only: the statement runs in a READ ONLY transaction (a write inside a CTE is refused), rolled back;
- a time limit: ``statement_timeout`` from ``CT_SOURCE_STATEMENT_TIMEOUT_MS``, local to that transaction.

Give ``CT_SOURCE_DATABASE_URL`` a role that may only SELECT (docker-compose.yml does): functions a SELECT
calls are the one way around a read-only transaction that the server does not close by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import pandas as pd
import psycopg
from psycopg import errors, sql

from ct_pipeline.errors import DataError, InfrastructureError, InvalidInput
from ct_pipeline.sources.timeout import DEFAULT_TIMEOUT_MS, STATEMENT_TIMEOUT_VAR
from ct_pipeline.sources.window import EVERY_ROW, Comparison, TimeWindow

DATABASE_URL_VAR: Final = "CT_SOURCE_DATABASE_URL"
CONNECT_TIMEOUT_S: Final = 10
# The time window's tests: the column is an Identifier, the bound a parameter, never text in the query.
_COMPARISONS: Final[Mapping[Comparison, sql.SQL]] = {">=": sql.SQL("{} >= %s"), "<=": sql.SQL("{} <= %s")}


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
    window: TimeWindow = EVERY_ROW,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> pd.DataFrame:
    """Run ``query`` read-only, keeping only the rows within ``window``.

    Its bounds are inclusive and travel as bound parameters, never as text in the SQL.
    """
    body = query.strip().rstrip(";")
    statement: sql.Composable = sql.SQL(body)  # type: ignore[arg-type]  # the spec's query, by design
    params: tuple[object, ...] | None = None  # None: psycopg leaves '%' in the query alone
    comparisons = window.comparisons()
    if comparisons:
        conditions = sql.SQL(" AND ").join(
            _COMPARISONS[test].format(sql.Identifier(column)) for column, test, _ in comparisons
        )
        # With parameters psycopg reads every '%' as a placeholder: double the query's own.
        statement = sql.SQL("SELECT * FROM (\n{}\n) AS ct_source WHERE {}").format(
            sql.SQL(body.replace("%", "%%")),  # type: ignore[arg-type]
            conditions,
        )
        params = tuple(bound for _, _, bound in comparisons)
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            conn.read_only = True  # psycopg opens the transaction with BEGIN READ ONLY
            with conn.cursor() as cur:
                cur.execute("SELECT set_config('statement_timeout', %s, true)", (str(timeout_ms),))
                # prepare=True: Parse/Bind/Execute, one statement, whatever the query holds
                cur.execute(statement, params, prepare=True)
                if cur.description is None:
                    raise DataError("data.query: the query returned no rows (it is not a SELECT)")
                columns = [column.name for column in cur.description]
                rows = cur.fetchall()
            conn.rollback()
    except errors.ReadOnlySqlTransaction as exc:
        raise InvalidInput(f"data.query: refused, the query tries to write ({exc})".strip()) from exc
    except errors.ActiveSqlTransaction as exc:  # e.g. set_config('transaction_read_only', 'off', ...)
        raise InvalidInput(f"data.query: refused, the query tries to leave read-only mode ({exc})") from exc
    except errors.SyntaxError as exc:
        if "multiple commands" not in str(exc):
            raise DataError(f"data.query failed: {type(exc).__name__}: {exc}".strip()) from exc
        raise InvalidInput("data.query: refused, it holds more than one statement (give one SELECT)") from exc
    except errors.QueryCanceled as exc:  # before OperationalError, its base class
        if "statement timeout" not in str(exc):  # cancelled by someone on the server
            raise DataError(f"data.query: cancelled by the source database ({exc})".strip()) from exc
        raise DataError(
            f"data.query: stopped after {timeout_ms} ms, the statement timeout ({STATEMENT_TIMEOUT_VAR})"
        ) from exc
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
