"""A SQL query or table in InterSystems IRIS, through the official driver (the optional ``iris`` extra).

The connection comes from ``CT_IRIS_URL`` (``iris://user:password@host:port/NAMESPACE``); the spec names only
the query or the table. IRIS documents a READ ONLY transaction mode, but with no IRIS server to try it on,
this source relies only on what it can check here:

- a query must pass `single_select` (one SELECT or WITH ... SELECT, no writing keyword) before it is sent;
- the connection has auto-commit off and is rolled back, so a write that got past the check is undone;
- the driver's query timeout (whole seconds, rounded up) applies ``CT_SOURCE_STATEMENT_TIMEOUT_MS``.

Give ``CT_IRIS_URL`` a user with SELECT privileges only: a SELECT may call a stored procedure that writes.

No IRIS server was available when this was written: the URL parsing, the missing driver, an unreachable
server, the query check and the calls made on a stand-in driver are tested; the query path against a real
IRIS (reading rows, the ``since``/``until`` filter, type conversion, how the server reports the timeout,
whether the rollback undoes a write) is not.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import pandas as pd

from ct_pipeline.errors import DataError, InfrastructureError, InvalidInput
from ct_pipeline.sources.sql_guard import single_select
from ct_pipeline.sources.timeout import DEFAULT_TIMEOUT_MS
from ct_pipeline.sources.window import EVERY_ROW, TimeWindow

IRIS_URL_VAR: Final = "CT_IRIS_URL"
CONNECT_TIMEOUT_S: Final = 10
DEFAULT_PORT: Final = 1972


@dataclass(frozen=True)
class IrisConnection:
    """The driver's ``connect()`` arguments, parsed from ``CT_IRIS_URL``."""

    hostname: str
    port: int
    namespace: str
    username: str
    password: str = ""

    def __repr__(self) -> str:  # never print the password
        return f"IrisConnection({self.username}@{self.hostname}:{self.port}/{self.namespace})"


# Who needs the URL and the driver, as their messages say; the score job's IRIS mirror names itself.
SOURCE: Final = "data.source: an iris source"


def iris_connection(environ: Mapping[str, str], needed_by: str = SOURCE) -> IrisConnection:
    """``CT_IRIS_URL`` parsed; `InvalidInput` naming the variable when it is unset or malformed."""
    url = environ.get(IRIS_URL_VAR)
    if not url:
        raise InvalidInput(f"{needed_by} needs {IRIS_URL_VAR} in the environment")
    return parse_iris_url(url)


def parse_iris_url(url: str) -> IrisConnection:
    """Parse ``iris://user:password@host:port/NAMESPACE`` (port 1972 when left out)."""
    shown = f"{IRIS_URL_VAR} must look like iris://user:password@host:port/NAMESPACE"
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:
        raise InvalidInput(f"{shown}: {exc}") from exc
    namespace = parts.path.strip("/")
    complete = parts.hostname and parts.username and namespace and "/" not in namespace
    if parts.scheme != "iris" or not complete:
        raise InvalidInput(f"{shown} (scheme, user, host and namespace are required)")
    if parts.query or parts.fragment:
        raise InvalidInput(f"{shown} (no query or fragment)")
    return IrisConnection(
        hostname=parts.hostname,
        port=port,
        namespace=unquote(namespace),
        username=unquote(parts.username),
        password=unquote(parts.password or ""),
    )


def load_driver(needed_by: str = SOURCE) -> Any:
    """The ``iris`` module of ``intersystems-irispython``; `InvalidInput` when it is not installed."""
    try:
        return importlib.import_module("iris")
    except ImportError as exc:
        raise InvalidInput(
            f"{needed_by} needs the InterSystems driver: install the iris extra "
            "(pip install 'ct-pipeline[iris]', or uv sync --extra iris)"
        ) from exc


def statement(query: str | None, table: str | None) -> str:
    """The SQL to run: the spec's query once `single_select` accepts it, or every column of its table."""
    if query is not None:
        return single_select(query)
    assert table is not None
    return f"SELECT * FROM {table}"  # the schema allows only [Schema.]Table identifiers


def connect_arguments(connection: IrisConnection) -> dict[str, Any]:
    """The driver's ``connect()`` keyword arguments; auto-commit off, so that nothing is ever committed."""
    return {
        "hostname": connection.hostname,
        "port": connection.port,
        "namespace": connection.namespace,
        "username": connection.username,
        "password": connection.password,
        "timeout": CONNECT_TIMEOUT_S,
        "autoCommit": False,
    }


def connect(driver: Any, connection: IrisConnection, prefix: str = "") -> Any:
    """An open connection, auto-commit off; `InfrastructureError` (its message after ``prefix``) if IRIS
    cannot be reached."""
    try:
        return driver.connect(**connect_arguments(connection))
    except Exception as exc:  # the driver raises RuntimeError("<COMMUNICATION LINK ERROR> ...") and others
        raise InfrastructureError(f"{prefix}cannot reach IRIS at {connection!r}: {exc}".strip()) from exc


def query_timeout_s(timeout_ms: int) -> int:
    """The driver's query timeout counts whole seconds: round up, and never 0 (which may mean no limit)."""
    return max(1, math.ceil(timeout_ms / 1000))


def read_iris(
    connection: IrisConnection,
    query: str | None,
    table: str | None,
    window: TimeWindow = EVERY_ROW,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> pd.DataFrame:
    """Read the query's or table's rows, keeping those within ``window``.

    Its bounds are inclusive and travel as ``?`` parameters (naive UTC), never as SQL text.
    """
    sql = statement(query, table)  # a refused query never reaches the driver
    driver = load_driver()
    comparisons = window.comparisons()
    if comparisons:
        conditions = " AND ".join(f"{_delimited(column)} {test} ?" for column, test, _ in comparisons)
        sql = f"SELECT * FROM ({sql}) AS ct_source WHERE {conditions}"
    params = [bound.astimezone(dt.UTC).replace(tzinfo=None) for _, _, bound in comparisons]
    conn = connect(driver, connection)
    try:
        cursor = conn.cursor()
        cursor.setQueryTimeout(query_timeout_s(timeout_ms))
        cursor.execute(sql, params)
        if cursor.description is None:
            raise DataError("data: the IRIS statement returned no rows (it is not a SELECT)")
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
        conn.rollback()  # nothing this connection did may stay
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"data: the IRIS query failed: {type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
    frame = pd.DataFrame.from_records([tuple(row) for row in rows], columns=columns)
    for name in frame.columns:
        values = frame[name].dropna()
        if frame[name].dtype == object and len(values) and all(isinstance(v, Decimal) for v in values):
            frame[name] = frame[name].astype("float64")
    return frame


def _delimited(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'  # a delimited identifier
