"""The IRIS source: spec rules, CT_IRIS_URL parsing, a missing driver, an unreachable server.

No IRIS server is available here, so the query path itself is not exercised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from child import run_child, worker_env
from conftest import free_port, write_spec

from ct_pipeline.errors import InvalidInput
from ct_pipeline.sources.iris import IrisConnection, load_driver, parse_iris_url, statement
from ct_pipeline.spec import TableData, parse_spec

BASE: dict[str, Any] = {
    "pipeline": "iris-sales",
    "task": "regression",
    "model": {"estimator": "sklearn.linear_model.Ridge"},
}


def test_an_iris_table_source_parses() -> None:
    sut = parse_spec({**BASE, "data": {"source": "iris", "table": "Sales.Orders", "target": "y"}})

    assert sut.data == TableData(source="iris", target="y", table="Sales.Orders")
    assert statement(None, "Sales.Orders") == "SELECT * FROM Sales.Orders"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"source": "iris", "target": "y"}, "data: an iris source needs exactly one of query and table"),
        ({"source": "iris", "target": "y", "table": "T", "query": "SELECT 1"}, "data: an iris source needs"),
        ({"source": "iris", "target": "y", "query": "DELETE FROM T"}, "data.query:"),
        ({"source": "iris", "target": "y", "table": "T; DROP TABLE T"}, "data.table:"),
        ({"source": "iris", "target": "y", "table": "T", "url": "iris://a"}, "data:"),
    ],
)
def test_bad_iris_sources_are_invalid_input(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_spec({**BASE, "data": data})

    assert caught.value.message.startswith(message), caught.value.message


def test_the_url_becomes_the_drivers_connect_arguments() -> None:
    assert parse_iris_url("iris://ct:p%40ss@iris.local:1972/USER") == IrisConnection(
        "iris.local", 1972, "USER", "ct", "p@ss"
    )
    assert parse_iris_url("iris://ct@db/SALES").port == 1972
    assert "p@ss" not in repr(parse_iris_url("iris://ct:p%40ss@iris.local:1972/USER"))


@pytest.mark.parametrize(
    "url", ["postgres://a:b@h:1/N", "iris://h:1/N", "iris://a:b@h:1/", "iris://a:b@h:x/N", "iris://a@h/N/M"]
)
def test_malformed_urls_are_invalid_input(url: str) -> None:
    with pytest.raises(InvalidInput, match="CT_IRIS_URL must look like"):
        parse_iris_url(url)


def test_a_missing_driver_is_invalid_input(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_iris(name: str) -> Any:
        raise ModuleNotFoundError(f"No module named {name!r}")

    monkeypatch.setattr("importlib.import_module", no_iris)

    with pytest.raises(InvalidInput, match="install the iris extra"):
        load_driver()


def iris_job(tmp_path: Path, extra: dict[str, str], blocker: bool = False) -> Any:
    spec = {**BASE, "data": {"source": "iris", "table": "Sales.Orders", "target": "y"}}
    if blocker:  # a module named iris that fails to import, first on the path: the driver is "missing"
        (tmp_path / "block").mkdir()
        (tmp_path / "block" / "iris.py").write_text("raise ImportError('not installed')\n")
        extra = {**extra, "PYTHONPATH": str(tmp_path / "block")}
    env = worker_env(tmp_path, "http://127.0.0.1:9", None, data_root=tmp_path, extra=extra)
    env["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    return run_child(write_spec(tmp_path, spec), env, cwd=tmp_path)


def test_a_job_without_the_driver_ends_invalid_input(tmp_path: Path) -> None:
    done = iris_job(tmp_path, {"CT_IRIS_URL": "iris://ct:ct@127.0.0.1:1972/USER"}, blocker=True)

    assert done.returncode == 2, done.stderr
    assert "install the iris extra" in done.result["message"]


def test_a_job_without_ct_iris_url_ends_invalid_input(tmp_path: Path) -> None:
    done = iris_job(tmp_path, {})

    assert done.returncode == 2, done.stderr
    assert "CT_IRIS_URL" in done.result["message"]


def test_an_unreachable_iris_server_is_infrastructure(tmp_path: Path, tracking_uri: str) -> None:
    url = f"iris://ct:ct@127.0.0.1:{free_port()}/USER"
    spec = {**BASE, "data": {"source": "iris", "table": "Sales.Orders", "target": "y"}}
    env = worker_env(tmp_path, tracking_uri, None, data_root=tmp_path, extra={"CT_IRIS_URL": url})

    done = run_child(write_spec(tmp_path, spec), env, cwd=tmp_path)

    assert done.returncode == 5, done.stderr
    assert done.result["reason"] == "infrastructure" and done.result["step"] == "extraction"
    assert "cannot reach IRIS" in done.result["message"] and ":ct@" not in done.result["message"]
