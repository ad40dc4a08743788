"""A score job's predictions mirrored to InterSystems IRIS, as the original system served its model.

With ``iris_mirror`` in the task, after ``predictions.csv`` is written the job also:

- replaces its own rows in the IRIS table ``CT.Predictions`` (made when absent) with its predictions, in one
  transaction, so that a retried attempt leaves one copy;
- when it scored with the ``champion`` alias, sets the global ``^ML.Config("ModelPath")`` to the model's URI
  (``models:/<team>.<pipeline>/<version>``): the production pointer the original system's serving read.

The connection is ``CT_IRIS_URL``'s, through the driver's documented API (``iris.connect``, DB-API cursors
with ``executemany``, ``iris.createIRIS(connection).set(value, global, subscript)``). No IRIS server was
available when this was written: the SQL, the rows and the chunking are tested; the calls on the driver
were never run against a real IRIS. Any failure of IRIS is `InfrastructureError` (the job is retried).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ct_pipeline.errors import InfrastructureError
from ct_pipeline.sources.iris import IrisConnection, connect, iris_connection, load_driver

SCHEMA: Final = "CT"
TABLE: Final = "Predictions"
COLUMNS: Final = (
    "Pipeline",
    "ModelVersion",
    "RunId",
    "RowKey",
    "Prediction",
    "ScoredAt",
    "InferenceUs",
    "JobId",
)
CREATE_TABLE: Final = (
    f"CREATE TABLE {SCHEMA}.{TABLE} ("
    "Pipeline VARCHAR(200) NOT NULL, ModelVersion VARCHAR(20), RunId VARCHAR(64), "
    "RowKey VARCHAR(1000) NOT NULL, Prediction DOUBLE NOT NULL, ScoredAt TIMESTAMP NOT NULL, "
    "InferenceUs DOUBLE, JobId VARCHAR(64) NOT NULL)"
)
TABLE_EXISTS: Final = (
    "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
    (SCHEMA, TABLE),
)
DELETE_JOB_ROWS: Final = f"DELETE FROM {SCHEMA}.{TABLE} WHERE JobId = ?"
INSERT_ROW: Final = (
    f"INSERT INTO {SCHEMA}.{TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
)
MODEL_PATH_NODE: Final = ("ML.Config", "ModelPath")  # ^ML.Config("ModelPath"): global name, then subscript
CHUNK_ROWS: Final = 1_000
NEEDED_BY: Final = "iris_mirror: mirroring to IRIS"  # who the messages of a missing URL or driver name
Log = Callable[[str], None]


@dataclass(frozen=True)
class MirrorConstants:
    """What every mirrored row of a job shares: the registered model, its version and run, the job, when."""

    pipeline: str
    model_version: str
    run_id: str | None
    job_id: str
    scored_at: dt.datetime


def mirror_connection(environ: Mapping[str, str]) -> IrisConnection:
    """``CT_IRIS_URL`` parsed; `InvalidInput` when it is unset (checked before the job starts its work)."""
    return iris_connection(environ, needed_by=NEEDED_BY)


def load_mirror_driver() -> Any:
    """The ``iris`` module of ``intersystems-irispython``; imported only when a task asks for the mirror."""
    return load_driver(needed_by=NEEDED_BY)


def prediction_rows(path: Path, constants: MirrorConstants) -> Iterator[tuple[Any, ...]]:
    """The rows of ``predictions.csv`` as `INSERT_ROW` parameters, in `COLUMNS` order.

    ``ScoredAt`` is naive UTC (the driver's TIMESTAMP); an empty ``inference_us`` is NULL.
    """
    scored_at = constants.scored_at.astimezone(dt.UTC).replace(tzinfo=None)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            inference = row["inference_us"]
            yield (
                constants.pipeline,
                constants.model_version,
                constants.run_id,
                row["row_key"],
                float(row["prediction"]),
                scored_at,
                float(inference) if inference else None,
                constants.job_id,
            )


def chunked(rows: Iterable[tuple[Any, ...]], size: int = CHUNK_ROWS) -> Iterator[list[tuple[Any, ...]]]:
    """``rows`` in lists of at most ``size``: one ``executemany`` each, never the whole file in memory."""
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def mirror_predictions(
    driver: Any,
    connection: IrisConnection,
    predictions: Path,
    constants: MirrorConstants,
    model_uri: str | None,
    log: Log,
) -> int:
    """Write the job's predictions to `TABLE`; given ``model_uri``, set ``^ML.Config("ModelPath")`` to it.

    Returns the rows written. Not run against a real IRIS (see the module's docstring).
    """
    conn = connect(driver, connection, prefix="iris_mirror: ")  # auto-commit off: one transaction
    written = 0
    try:
        cursor = conn.cursor()
        _ensure_table(conn, cursor, log)
        cursor.execute(DELETE_JOB_ROWS, (constants.job_id,))  # a retried attempt replaces its predecessor's
        for chunk in chunked(prediction_rows(predictions, constants)):
            cursor.executemany(INSERT_ROW, chunk)
            written += len(chunk)
        conn.commit()
        if model_uri is not None:
            driver.createIRIS(conn).set(model_uri, *MODEL_PATH_NODE)
            conn.commit()  # the global is set outside the SQL transaction; this ends any the driver opened
    except Exception as exc:
        _rollback(conn)
        raise InfrastructureError(
            f"iris_mirror: writing to IRIS failed after {written} rows: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        conn.close()
    return written


def _ensure_table(conn: Any, cursor: Any, log: Log) -> None:
    if _table_exists(cursor):
        return
    try:
        cursor.execute(CREATE_TABLE)
        conn.commit()
        log(f"created the IRIS table {SCHEMA}.{TABLE}")
    except Exception:
        _rollback(conn)
        if not _table_exists(cursor):  # another job may have created it meanwhile: then carry on
            raise


def _table_exists(cursor: Any) -> bool:
    cursor.execute(*TABLE_EXISTS)
    row = cursor.fetchone()
    return bool(row and row[0])


def _rollback(conn: Any) -> None:
    # The connection may be gone: the server rolls back an unfinished transaction itself.
    with contextlib.suppress(Exception):
        conn.rollback()
