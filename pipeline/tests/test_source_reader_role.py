"""docker/postgres-init's source database and SELECT-only reader, run on a private cluster as the image would.

The compose worker reads ``postgres`` data sources as this reader (its CT_SOURCE_DATABASE_URL); the reader
must be able to read the source tables and nothing else, even outside ct's READ ONLY transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from private_postgres import PrivatePostgres, private_postgres, run_init_script

from ct_pipeline.errors import InvalidInput
from ct_pipeline.sources.postgres import read_query

INIT = Path(__file__).resolve().parents[2] / "docker" / "postgres-init"
ENV = {
    "CT_DB_NAME": "ct",
    "CT_DB_USER": "ct",
    "CT_DB_PASSWORD": "ct-pw",
    "MLFLOW_DB_NAME": "mlflow",
    "MLFLOW_DB_USER": "mlflow",
    "MLFLOW_DB_PASSWORD": "mlflow-pw",
    "CT_SOURCE_DB_NAME": "ct_source",
    "CT_SOURCE_READER_USER": "ct_source_reader",
    "CT_SOURCE_READER_PASSWORD": "reader-pw",
}


@pytest.fixture(scope="module")
def server() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        for script in sorted(INIT.glob("*.sh")):
            run_init_script(server, script, ENV)
        # The operator loads the data as the superuser, after the first start.
        with psycopg.connect(server.superuser_url("ct_source"), autocommit=True) as conn:
            conn.execute("CREATE TABLE sales (a int, y double precision)")
            conn.execute("INSERT INTO sales SELECT i, i * 2.0 FROM generate_series(1, 20) AS i")
        yield server


def reader(server: PrivatePostgres, database: str = "ct_source") -> str:
    return server.tcp_url("ct_source_reader", "reader-pw", database)


def test_the_reader_reads_tables_loaded_after_the_init(server: PrivatePostgres) -> None:
    assert len(read_query(reader(server), "SELECT * FROM sales")) == 20


def test_the_reader_is_read_only_by_default(server: PrivatePostgres) -> None:
    with (
        psycopg.connect(reader(server), autocommit=True) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("DELETE FROM sales")


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        ("DELETE FROM sales", "permission denied for table sales"),
        ("INSERT INTO sales VALUES (0, 0)", "permission denied for table sales"),
        ("CREATE TABLE mine (a int)", "permission denied for schema public"),
    ],
)
def test_the_reader_cannot_write_even_in_a_read_write_transaction(
    server: PrivatePostgres, statement: str, refused: str
) -> None:
    with psycopg.connect(reader(server)) as conn:
        conn.read_only = False  # BEGIN READ WRITE, overriding the role's default
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=refused):
            conn.execute(statement)

    assert len(read_query(reader(server), "SELECT * FROM sales")) == 20


def test_through_the_source_a_write_is_invalid_input(server: PrivatePostgres) -> None:
    with pytest.raises(InvalidInput, match="tries to write"):
        read_query(reader(server), "WITH gone AS (DELETE FROM sales RETURNING *) SELECT * FROM gone")


@pytest.mark.parametrize("database", ["ct", "mlflow"])
def test_the_reader_reaches_no_other_database(server: PrivatePostgres, database: str) -> None:
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(reader(server, database), connect_timeout=5).close()
