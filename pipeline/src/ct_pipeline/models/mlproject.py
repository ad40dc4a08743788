"""An MLflow Project (an ``MLproject`` file) run without a shell, in its own environment or the platform's.

Supported: entry points whose ``command`` is ``python <file.py> ...``, with parameters of type ``float``,
``int`` (an extension: MLflow itself knows ``float``, ``string``, ``path`` and ``uri``), ``string`` and
``path`` (resolved inside the project directory). The command is split once (``shlex``), each ``{name}``
placeholder is replaced by the parameter's value *inside its argument*, parameters the command does not
mention are appended as ``--name value`` (as MLflow does), and the list is run as
``[python, <file>, ...]`` with ``shell=False``: no value is ever parsed by a shell. ``python`` is the
interpreter of the environment the project declares (`project_env`), else the platform's.

The script hands over its model in one of two ways:

- ct's contract: it reads the training split from the parquet files ``CT_TRAIN_X`` and ``CT_TRAIN_Y``,
  fits, and saves the fitted estimator with ``skops.io.dump(model, os.environ["CT_MODEL_PATH"])``;
- a stock project, written for ``mlflow run``: it loads its own data and logs its model into the job's run
  (``MLFLOW_TRACKING_URI`` and ``MLFLOW_RUN_ID`` are set, so its ``mlflow.start_run()`` resumes that run),
  by autologging or ``mlflow.<flavor>.log_model``. When it logs several, a top-level ``ct_model: <name>``
  in the ``MLproject`` file says which one ct evaluates (`choose_logged_model`).

Either way it may log params, metrics and artifacts into the job's run.
"""

from __future__ import annotations

import math
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from ct_pipeline.errors import InvalidInput, TrainingError
from ct_pipeline.models.project_env import ProjectEnv
from ct_pipeline.models.project_env import declared as declared_env
from ct_pipeline.models.projects import inside, project_dir

FIELD: Final = "model.mlproject"
MLPROJECT_FILE: Final = "MLproject"
CT_MODEL_KEY: Final = "ct_model"  # top-level MLproject key: which logged model ct evaluates
TYPES: Final = ("float", "int", "integer", "string", "path")
_PLACEHOLDER: Final = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}")
PASSED_ENV: Final = ("PATH", "LANG", "HOME", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class MLProjectModel:
    """An MLflow Project's entry point and the parameters the spec gives it."""

    project: str
    entry_point: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class ResolvedProject:
    """What will run: the project directory and the argv after ``sys.executable``, values checked."""

    directory: Path
    argv: tuple[str, ...]
    values: Mapping[str, str]
    # The logged model's name the MLproject file gives as `ct_model`, when the script logs several.
    ct_model: str | None = None
    # The Python environment it declares (`project_env`); None: the platform's.
    env: ProjectEnv | None = None


def resolve(model: MLProjectModel, environ: Mapping[str, str]) -> ResolvedProject:
    """Read the project's ``MLproject``, check the parameters against it, build the argv (no shell)."""
    directory = project_dir(model.project, environ, f"{FIELD}.project")
    document = _document(directory)
    entry = _entry_point(document, model)
    declared = _declared(entry.get("parameters") or {}, model.entry_point)
    unknown = sorted(set(model.parameters) - set(declared))
    if unknown:
        raise InvalidInput(
            f"{FIELD}.parameters.{unknown[0]}: entry point {model.entry_point!r} has no such parameter "
            f"(declared: {', '.join(sorted(declared)) or 'none'})"
        )
    values: dict[str, str] = {}
    for name, (kind, default) in declared.items():
        given = name in model.parameters
        if not given and default is None:
            raise InvalidInput(f"{FIELD}.parameters.{name}: required by entry point {model.entry_point!r}")
        value = model.parameters[name] if given else default
        where = f"{FIELD}.parameters.{name}" if given else f"{MLPROJECT_FILE} default of {name}"
        values[name] = _checked(kind, value, directory, where)
    argv = _argv(directory, entry, values, model.entry_point)
    environment = declared_env(directory, document if isinstance(document, dict) else {})
    return ResolvedProject(directory, argv, values, _ct_model(document), environment)


def run(project: ResolvedProject, env: Mapping[str, str], python: str = sys.executable) -> None:
    """Run the entry point with ``python`` (no shell, cwd = the project); `TrainingError` when it fails."""
    command = [python, *project.argv]
    try:
        completed = subprocess.run(command, cwd=project.directory, env=dict(env), shell=False, check=False)
    except OSError as exc:
        raise TrainingError(f"cannot start the entry point {command[1]}: {exc}") from exc
    if completed.returncode != 0:
        raise TrainingError(
            f"the MLflow Project entry point {Path(command[1]).name} exited with {completed.returncode} "
            "(its output is in the job's log)"
        )


def script_env(environ: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """The script's environment: the basics passed on, then ``extra`` (MLflow run, data and model paths)."""
    return {**{key: environ[key] for key in PASSED_ENV if key in environ}, **extra}


def choose_logged_model(logged: Sequence[tuple[str, str]], ct_model: str | None) -> tuple[str, str]:
    """The ``(model id, name)`` among the models the entry point ``logged`` that ct evaluates.

    The only one; with several, the one the MLproject file's ``ct_model`` names. `TrainingError` when there
    is none, or no single one to take (the message lists them and says how to choose).
    """
    listing = ", ".join(f"{name!r} (models:/{model_id})" for model_id, name in logged)
    if not logged:
        raise TrainingError(
            "the MLflow Project entry point ended without writing CT_MODEL_PATH and logged no model into "
            "the job's run: save the fitted model with skops.io.dump(model, os.environ['CT_MODEL_PATH']), "
            "or log it into the run (mlflow.<flavor>.log_model, or autologging, inside mlflow.start_run())"
        )
    if ct_model is None:
        if len(logged) == 1:
            return logged[0]
        raise TrainingError(
            f"the MLflow Project entry point logged {len(logged)} models into the job's run: {listing}; "
            f"say which one ct evaluates with a top-level '{CT_MODEL_KEY}: <name>' in its "
            f"{MLPROJECT_FILE} file"
        )
    named = [found for found in logged if found[1] == ct_model]
    if not named:
        raise TrainingError(
            f"{MLPROJECT_FILE} says {CT_MODEL_KEY}: {ct_model!r}, but the entry point logged no model of "
            f"that name into the job's run (it logged: {listing})"
        )
    if len(named) > 1:
        raise TrainingError(
            f"the entry point logged {len(named)} models named {ct_model!r} ({CT_MODEL_KEY}) into the job's "
            f"run: {listing}; give the one ct evaluates a name of its own"
        )
    return named[0]


def _document(directory: Path) -> object:
    path = inside(directory, MLPROJECT_FILE, f"{FIELD}.project")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{FIELD}.project: cannot read its {MLPROJECT_FILE} file: {exc}") from exc


def _ct_model(document: object) -> str | None:
    value = document.get(CT_MODEL_KEY) if isinstance(document, dict) else None
    if value is None or (isinstance(value, str) and value.strip()):
        return value
    raise InvalidInput(
        f"{FIELD}.project: {CT_MODEL_KEY} in its {MLPROJECT_FILE} file must be a logged model's name, "
        f"got {value!r}"
    )


def _entry_point(document: object, model: MLProjectModel) -> dict[str, Any]:
    entries = document.get("entry_points") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise InvalidInput(f"{FIELD}.project: its {MLPROJECT_FILE} file declares no entry_points")
    entry = entries.get(model.entry_point)
    if not isinstance(entry, dict) or not isinstance(entry.get("command"), str):
        raise InvalidInput(
            f"{FIELD}.entry_point: no entry point {model.entry_point!r} with a command "
            f"(entry points: {', '.join(map(str, entries))})"
        )
    return entry


def _declared(parameters: object, entry_point: str) -> dict[str, tuple[str, Any]]:
    if not isinstance(parameters, dict):
        raise InvalidInput(f"{FIELD}.entry_point: the parameters of {entry_point!r} are not a mapping")
    declared: dict[str, tuple[str, Any]] = {}
    for name, spec in parameters.items():
        kind, default = (spec, None) if isinstance(spec, str) else (None, None)
        if isinstance(spec, dict):
            kind, default = spec.get("type", "string"), spec.get("default")
        if kind not in TYPES:
            raise InvalidInput(
                f"{FIELD}.entry_point: parameter {name!r} of {entry_point!r} has type {kind!r}; "
                f"supported: {', '.join(TYPES)}"
            )
        declared[str(name)] = (kind, default)
    return declared


def _checked(kind: str, value: Any, directory: Path, where: str) -> str:
    """The value as one argv string, after checking it against its declared type."""
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInput(f"{where}: expects a float, got {type(value).__name__} {value!r}")
        return repr(float(value))
    if kind in ("int", "integer"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(f"{where}: expects an int, got {type(value).__name__} {value!r}")
        return str(value)
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: expects a {kind}, got {type(value).__name__} {value!r}")
    if "\x00" in value:
        raise InvalidInput(f"{where}: must not contain a NUL character")
    if kind == "path":
        return str(inside(directory, value, where))
    return value


def _argv(directory: Path, entry: Mapping[str, Any], values: Mapping[str, str], name: str) -> tuple[str, ...]:
    try:
        tokens = shlex.split(entry["command"])
    except ValueError as exc:
        raise InvalidInput(f"{FIELD}.entry_point: the command of {name!r} cannot be parsed: {exc}") from exc
    if len(tokens) < 2 or tokens[0] not in ("python", "python3") or not tokens[1].endswith(".py"):
        raise InvalidInput(
            f"{FIELD}.entry_point: the command of {name!r} must be 'python <file>.py ...', "
            f"got {entry['command']!r}"
        )
    script = inside(directory, tokens[1], f"{FIELD}.entry_point")
    if not script.is_file():
        raise InvalidInput(f"{FIELD}.entry_point: the project has no script {tokens[1]!r}")
    used: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise InvalidInput(f"{FIELD}.entry_point: the command uses an undeclared {{{match.group(1)}}}")
        used.add(match.group(1))
        return values[match.group(1)]

    args = [_PLACEHOLDER.sub(substitute, token) for token in tokens[2:]]
    for key in sorted(set(values) - used):
        args += [f"--{key}", values[key]]
    return (str(script), *args)
