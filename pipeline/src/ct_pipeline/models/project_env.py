"""An MLflow Project's own Python environment: built with uv from what the project declares, once per host.

A project declares its environment as MLflow does: ``python_env: <file>`` in its ``MLproject`` (a YAML file
with ``python``, ``build_dependencies`` and ``dependencies``), else a ``python_env.yaml`` beside it, else a
plain ``requirements.txt`` (one requirement a line; options such as ``-r``, ``-e`` or ``--index-url`` are
refused: packages come from the registry uv is configured for). ``conda_env`` and ``docker_env`` are refused
until supported. Without any of them the entry point runs in the platform's Python, as before.

The environment is a virtualenv under ``CT_PROJECT_ENV_DIR`` named by the hash of its description (and the
Python it asks for): built once per host, under a file lock so that concurrent jobs wait for one build,
and reused by every later job with the same description. uv (``CT_UV``, else ``uv`` on the PATH) installs
from the package registry with its own cache (``UV_CACHE_DIR``); its output goes to the job's log. A
description uv cannot install is ``invalid_input`` with uv's message; a registry uv cannot reach is
``infrastructure``. The packages installed are returned for the run's lineage.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from ct_pipeline.errors import InfrastructureError, InvalidInput

FIELD: Final = "model.mlproject.project"
ENV_DIR_VAR: Final = "CT_PROJECT_ENV_DIR"
UV_VAR: Final = "CT_UV"
READY: Final = ".ct-ready"
# uv's words when the registry cannot be reached (a retry may succeed), as opposed to a bad description.
_UNREACHABLE: Final = (
    "failed to fetch",
    "error sending request",
    "dns error",
    "connection refused",
    "timed out",
    "network is unreachable",
)


@dataclass(frozen=True)
class ProjectEnv:
    """What a project declares: the file, the Python it asks for, and its requirements."""

    file: str
    python: str | None
    build_requirements: tuple[str, ...]
    requirements: tuple[str, ...]

    @property
    def digest(self) -> str:
        """The environment's name: its description and the platform's Python, hashed."""
        described = {
            "python": self.python or f"{sys.version_info.major}.{sys.version_info.minor}",
            "build": list(self.build_requirements),
            "requirements": list(self.requirements),
        }
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class BuiltEnv:
    """A ready environment: its interpreter, its name, the packages in it, and whether it was reused."""

    python: Path
    digest: str
    packages: tuple[str, ...]
    reused: bool


def declared(directory: Path, mlproject: Mapping[str, Any]) -> ProjectEnv | None:
    """The environment the project at ``directory`` declares (its parsed ``MLproject``), or None."""
    if "conda_env" in mlproject or "docker_env" in mlproject:
        kind = "conda_env" if "conda_env" in mlproject else "docker_env"
        raise InvalidInput(
            f"{FIELD}: its MLproject declares {kind}, which ct does not support yet: declare a python_env "
            "(python_env.yaml) or a requirements.txt"
        )
    named = mlproject.get("python_env")
    if named is not None:
        if not isinstance(named, str):
            raise InvalidInput(f"{FIELD}: python_env in its MLproject must name a file")
        return _python_env(directory, named)
    if (directory / "python_env.yaml").is_file():
        return _python_env(directory, "python_env.yaml")
    if (directory / "requirements.txt").is_file():
        return ProjectEnv("requirements.txt", None, (), _requirements_file(directory, "requirements.txt"))
    return None


def prepare(env: ProjectEnv, environ: Mapping[str, str], say: Callable[[str], None]) -> BuiltEnv:
    """The built environment ``env`` describes: reused when this host has it, else built now (locked)."""
    root = Path(environ.get(ENV_DIR_VAR) or Path.cwd() / "project-envs")
    root.mkdir(parents=True, exist_ok=True)
    folder = root / env.digest
    python = folder / "bin" / "python"
    with open(root / f"{env.digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a concurrent job's build of the same environment ends first
        uv = _uv(environ)
        if (folder / READY).is_file():
            return BuiltEnv(python, env.digest, _packages(uv, python, environ), reused=True)
        started = time.monotonic()
        count = len(env.requirements)
        say(f"building the project's environment from {env.file} with uv ({count} requirements)")
        shutil.rmtree(folder, ignore_errors=True)  # what a killed build left
        _uv_run(uv, ["venv", "--quiet", "--python", env.python or sys.executable, str(folder)], environ)
        for requirements in (env.build_requirements, env.requirements):
            if requirements:
                _uv_run(uv, ["pip", "install", "--python", str(python), *requirements], environ)
        (folder / READY).write_text(env.file)
        say(f"the project's environment is built ({time.monotonic() - started:.1f} s)")
        return BuiltEnv(python, env.digest, _packages(uv, python, environ), reused=False)


def _python_env(directory: Path, name: str) -> ProjectEnv:
    path = (directory / name).resolve()
    if not path.is_relative_to(directory) or not path.is_file():
        raise InvalidInput(f"{FIELD}: its python_env file {name!r} is not a file of the project")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{FIELD}: cannot read {name}: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidInput(f"{FIELD}: {name} must be a mapping (python, build_dependencies, dependencies)")
    python = document.get("python")
    if python is not None and not isinstance(python, str | int | float):
        raise InvalidInput(f'{FIELD}: python in {name} must be a version such as "3.11"')
    return ProjectEnv(
        name,
        None if python is None else str(python),
        _requirement_list(document.get("build_dependencies"), f"{name} build_dependencies"),
        _requirement_list(document.get("dependencies"), f"{name} dependencies"),
    )


def _requirements_file(directory: Path, name: str) -> tuple[str, ...]:
    lines = (directory / name).read_text(encoding="utf-8").splitlines()
    kept = [line.split("#", 1)[0].strip() for line in lines]
    return _requirement_list([line for line in kept if line], name)


def _requirement_list(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInput(f"{FIELD}: {where} must be a list of requirements")
    for item in value:
        if item.strip().startswith("-"):
            raise InvalidInput(f"{FIELD}: {where}: {item!r} is an option, not a requirement (refused)")
    return tuple(item.strip() for item in value)


def _uv(environ: Mapping[str, str]) -> str:
    found = environ.get(UV_VAR) or shutil.which("uv", path=environ.get("PATH"))
    if not found:
        raise InfrastructureError(f"uv is needed to build the project's environment: set {UV_VAR}")
    return found


def _uv_run(uv: str, args: list[str], environ: Mapping[str, str]) -> str:
    passed = ("PATH", "HOME", "UV_CACHE_DIR", "UV_INDEX_URL", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY")
    env = {
        **{key: environ[key] for key in passed if key in environ},
        "UV_PYTHON_DOWNLOADS": "never",  # the host's Python, never a managed download
        "UV_NO_PROGRESS": "1",
        "UV_SYSTEM_CERTS": "1",  # the host's trust store, as pip and the platform's own installs use
    }
    try:
        done = subprocess.run([uv, *args], env=env, capture_output=True, text=True, check=False, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfrastructureError(f"uv {args[0]} could not run: {exc}") from exc
    if done.stderr:
        print(done.stderr, end="", file=sys.stderr)  # the job's log
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip()[-2000:]
        if any(word in message.lower() for word in _UNREACHABLE):
            raise InfrastructureError(f"uv cannot reach the package registry: {message}")
        raise InvalidInput(f"{FIELD}: building the project's environment failed: {message}")
    return done.stdout


def _packages(uv: str, python: Path, environ: Mapping[str, str]) -> tuple[str, ...]:
    listed = _uv_run(uv, ["pip", "freeze", "--python", str(python)], environ)
    return tuple(line for line in listed.splitlines() if line.strip())
