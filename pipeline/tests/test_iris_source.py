"""The IRIS source: spec rules, CT_IRIS_URL parsing, a missing driver, an unreachable server, the query guard.

No IRIS server is available here: the query path runs against a stand-in driver that records the calls, and
the real driver is checked only for accepting the connect arguments and having a query timeout.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from child import run_child, worker_env
from conftest import free_port, write_spec

from ct_pipeline.errors import InvalidInput
from ct_pipeline.sources.iris import (
    IrisConnection,
    connect_arguments,
    load_driver,
    parse_iris_url,
    query_timeout_s,
    read_iris,
    statement,
)
from ct_pipeline.sources.window import TimeWindow
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

    with pytest.raises(
        InvalidInput, match=r"^data\.source: an iris source needs the .* install the iris extra"
    ):
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
    assert done.reason == "infrastructure" and done.result["step"] == "extraction"
    assert "cannot reach IRIS" in done.result["message"] and ":ct@" not in done.result["message"]


class StandInDriver:
    """Records what `read_iris` asks of the driver; IRIS itself cannot run here."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def connect(self, **kwargs: Any) -> StandInDriver:
        self.calls.append(("connect", kwargs))
        return self

    def cursor(self) -> StandInDriver:
        return self

    def setQueryTimeout(self, seconds: int) -> None:  # the driver's name
        self.calls.append(("setQueryTimeout", seconds))

    def execute(self, sql: str, params: list[Any]) -> None:
        self.calls.append(("execute", (sql, params)))

    description = (("a",), ("y",))

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [(1, 2.0), (2, 4.0)]

    def rollback(self) -> None:
        self.calls.append(("rollback", None))

    def close(self) -> None:
        self.calls.append(("close", None))


CONNECTION = IrisConnection("iris.local", 1972, "USER", "reader", "secret")


def test_a_query_runs_with_the_timeout_without_auto_commit_and_is_rolled_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    driver = StandInDriver()
    monkeypatch.setattr("ct_pipeline.sources.iris.load_driver", lambda: driver)

    frame = read_iris(CONNECTION, "SELECT a, y FROM Sales.Orders;", None, timeout_ms=1_500)

    assert frame.to_dict("list") == {"a": [1, 2], "y": [2.0, 4.0]}
    assert [name for name, _ in driver.calls] == [
        "connect",
        "setQueryTimeout",
        "execute",
        "rollback",
        "close",
    ]
    assert driver.calls[0][1]["autoCommit"] is False
    assert driver.calls[1][1] == 2, "1.5 s rounds up to whole seconds"
    assert driver.calls[2][1] == ("SELECT a, y FROM Sales.Orders", [])


@pytest.mark.parametrize(
    ("since", "until", "where", "params"),
    [
        (
            dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            dt.datetime(2024, 2, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            '"order time" >= ? AND "order time" <= ?',
            [dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 1)],  # naive UTC
        ),
        (None, dt.datetime(2024, 2, 1, tzinfo=dt.UTC), '"order time" <= ?', [dt.datetime(2024, 2, 1)]),
        (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), None, '"order time" >= ?', [dt.datetime(2024, 1, 1)]),
    ],
)
def test_the_time_window_travels_as_parameters(
    monkeypatch: pytest.MonkeyPatch,
    since: dt.datetime | None,
    until: dt.datetime | None,
    where: str,
    params: list[dt.datetime],
) -> None:
    driver = StandInDriver()
    monkeypatch.setattr("ct_pipeline.sources.iris.load_driver", lambda: driver)

    read_iris(CONNECTION, None, "Sales.Orders", TimeWindow("order time", since, until))

    sql = f"SELECT * FROM (SELECT * FROM Sales.Orders) AS ct_source WHERE {where}"
    assert dict(driver.calls)["execute"] == (sql, params)


@pytest.mark.parametrize("query", ["SELECT 1 AS y; DELETE FROM Sales.Orders", "DELETE FROM Sales.Orders"])
def test_a_refused_query_never_reaches_the_driver(monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    driver = StandInDriver()
    monkeypatch.setattr("ct_pipeline.sources.iris.load_driver", lambda: driver)

    with pytest.raises(InvalidInput, match=r"^data\.query: "):
        read_iris(CONNECTION, query, None)
    assert driver.calls == []


@pytest.mark.parametrize(("ms", "seconds"), [(1, 1), (200, 1), (1000, 1), (1001, 2), (300_000, 300)])
def test_the_query_timeout_is_in_whole_seconds_rounded_up(ms: int, seconds: int) -> None:
    assert query_timeout_s(ms) == seconds


def test_the_real_driver_takes_these_connect_arguments_and_has_a_query_timeout() -> None:
    driver = load_driver()
    arguments = {**connect_arguments(CONNECTION), "hostname": "127.0.0.1", "port": free_port(), "timeout": 2}

    # an unknown keyword would be a TypeError; a refused connection means the driver took every argument
    with pytest.raises(RuntimeError, match="COMMUNICATION LINK ERROR"):
        driver.connect(**arguments)
    assert callable(driver.irissdk.dbapiCursor.setQueryTimeout)


def test_a_refused_iris_query_is_invalid_input_before_mlflow(tmp_path: Path) -> None:
    spec = {**BASE, "data": {"source": "iris", "query": "SELECT 1 AS y; DROP TABLE T", "target": "y"}}
    extra = {"CT_IRIS_URL": "iris://ct:ct@127.0.0.1:1972/USER"}
    env = worker_env(tmp_path, "http://127.0.0.1:9", None, data_root=tmp_path, extra=extra)

    done = run_child(write_spec(tmp_path, spec), env, cwd=tmp_path)

    assert done.returncode == 2, done.stderr
    assert "more than one statement" in done.result["message"]
