"""MLflow Projects' own Python environments: what a project declares, built with uv once, reused after."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ct_pipeline.errors import InvalidInput
from ct_pipeline.models.project_env import ProjectEnv, declared, prepare


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize(
    ("files", "mlproject", "expected"),
    [
        ({}, {}, None),
        (
            {"requirements.txt": "tabulate==0.9.0  # tables\n\n# none\nhumanize\n"},
            {},
            ("requirements.txt", None, (), ("tabulate==0.9.0", "humanize")),
        ),
        (
            {"python_env.yaml": "python: 3.11\nbuild_dependencies: [pip]\ndependencies: [tabulate]\n"},
            {},
            ("python_env.yaml", "3.11", ("pip",), ("tabulate",)),
        ),
        (
            {"env.yaml": "dependencies: [humanize]\n", "requirements.txt": "tabulate\n"},
            {"python_env": "env.yaml"},
            ("env.yaml", None, (), ("humanize",)),
        ),
    ],
    ids=["none", "requirements.txt", "python_env.yaml", "named in MLproject first"],
)
def test_a_project_declares_its_environment_as_mlflow_reads_it(
    tmp_path: Path, files: dict[str, str], mlproject: dict[str, Any], expected: tuple[Any, ...] | None
) -> None:
    sut = declared(project(tmp_path, files), mlproject)

    assert (sut and (sut.file, sut.python, sut.build_requirements, sut.requirements)) == expected


@pytest.mark.parametrize(
    ("files", "mlproject", "message"),
    [
        ({}, {"conda_env": "conda.yaml"}, "conda_env, which ct does not support yet"),
        ({}, {"docker_env": {"image": "x"}}, "docker_env, which ct does not support yet"),
        (
            {"requirements.txt": "--index-url http://evil/simple\ntabulate\n"},
            {},
            "is an option, not a requirement",
        ),
        ({"requirements.txt": "-r ../../etc/other.txt\n"}, {}, "is an option, not a requirement"),
        ({}, {"python_env": "../outside.yaml"}, "is not a file of the project"),
        ({"python_env.yaml": "dependencies: tabulate\n"}, {}, "must be a list of requirements"),
    ],
)
def test_what_ct_cannot_build_is_invalid_input_before_anything_runs(
    tmp_path: Path, files: dict[str, str], mlproject: dict[str, Any], message: str
) -> None:
    (tmp_path / "outside.yaml").write_text("dependencies: [tabulate]\n")
    with pytest.raises(InvalidInput, match=message):
        declared(project(tmp_path, files), mlproject)


def test_the_environment_is_named_by_what_it_holds() -> None:
    one = ProjectEnv("requirements.txt", None, (), ("tabulate",))

    assert one.digest == ProjectEnv("python_env.yaml", None, (), ("tabulate",)).digest
    assert one.digest != ProjectEnv("requirements.txt", None, (), ("humanize",)).digest
    assert one.digest != ProjectEnv("requirements.txt", "3.12", (), ("tabulate",)).digest


@pytest.fixture
def uv_environ(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv"),
        "CT_PROJECT_ENV_DIR": str(tmp_path / "envs"),
    }


def test_an_environment_is_built_once_with_uv_and_reused(uv_environ: dict[str, str]) -> None:
    said: list[str] = []
    env = ProjectEnv("requirements.txt", None, (), ("tabulate",))

    first = prepare(env, uv_environ, said.append)
    second = prepare(env, uv_environ, said.append)

    assert not first.reused and second.reused and second.python == first.python
    imported = subprocess.run([str(first.python), "-c", "import tabulate"], capture_output=True, check=False)
    assert imported.returncode == 0, imported.stderr  # tabulate is not in the platform's environment
    assert any(line.startswith("tabulate==") for line in first.packages)
    assert [m for m in said if m.startswith("building")] == [
        "building the project's environment from requirements.txt with uv (1 requirements)"
    ]


def test_a_requirement_uv_cannot_install_is_invalid_input_with_uv_s_message(
    uv_environ: dict[str, str],
) -> None:
    env = ProjectEnv("requirements.txt", None, (), ("ct-no-such-package-4f2e9a",))

    with pytest.raises(InvalidInput) as caught:
        prepare(env, uv_environ, lambda message: None)

    assert "ct-no-such-package-4f2e9a" in caught.value.message
    # A later job tries again: nothing half-built is taken for ready.
    assert not (Path(uv_environ["CT_PROJECT_ENV_DIR"]) / env.digest / ".ct-ready").exists()


def test_without_uv_a_project_environment_is_an_infrastructure_failure(tmp_path: Path) -> None:
    from ct_pipeline.errors import InfrastructureError

    environ = {"PATH": str(tmp_path), "CT_PROJECT_ENV_DIR": str(tmp_path / "envs")}
    assert shutil.which("uv", path=environ["PATH"]) is None
    with pytest.raises(InfrastructureError, match="CT_UV"):
        prepare(ProjectEnv("requirements.txt", None, (), ("tabulate",)), environ, lambda message: None)


TRAIN = """\
import os

import pandas as pd
import skops.io
import tabulate  # not in the platform's environment: this runs in the project's own
from sklearn.linear_model import Ridge

x = pd.read_parquet(os.environ["CT_TRAIN_X"])
y = pd.read_parquet(os.environ["CT_TRAIN_Y"]).iloc[:, 0]
print(tabulate.tabulate([["rows", len(x)]]))
skops.io.dump(Ridge(alpha=0.5).fit(x, y), os.environ["CT_MODEL_PATH"])
"""


def test_an_mlproject_needing_a_package_the_platform_lacks_runs_in_its_own_environment(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    from importlib.metadata import version

    from child import run_child, worker_env
    from conftest import write_spec
    from mlflow.tracking import MlflowClient

    # The platform's own versions (in uv's cache already), and one package it does not have.
    pinned = [
        f"{name}=={version(name)}"
        for name in ("numpy", "scipy", "pandas", "pyarrow", "scikit-learn", "skops")
    ]
    projects = tmp_path / "projects"
    folder = projects / "ridge-env"
    folder.mkdir(parents=True)
    (folder / "train.py").write_text(TRAIN)
    (folder / "python_env.yaml").write_text(
        "dependencies:\n" + "".join(f"  - {r}\n" for r in [*pinned, "tabulate"])
    )
    (folder / "MLproject").write_text(
        "name: ridge-env\npython_env: python_env.yaml\nentry_points:\n  main:\n    command: python train.py\n"
    )
    spec = {
        "pipeline": f"env-{worker_run[:8]}",
        "task": "regression",
        "data": {"source": "sklearn", "name": "diabetes"},
        "model": {"mlproject": {"project": "ridge-env"}},
    }
    env = worker_env(
        tmp_path, tracking_uri, worker_run, data_root=tmp_path, extra={"CT_PROJECTS_ROOT": str(projects)}
    )

    done = run_child(write_spec(tmp_path, spec), env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.result["metrics"]["r2"] > 0.3
    client = MlflowClient(tracking_uri)
    assert len(client.get_run(worker_run).data.tags["ct.project_env"]) == 64
    packages = Path(
        client.download_artifacts(worker_run, "project_env/packages.txt", str(tmp_path))
    ).read_text()
    assert "tabulate==" in packages and f"scikit-learn=={version('scikit-learn')}" in packages
