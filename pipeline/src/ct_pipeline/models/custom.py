"""A custom training function, ``module:function`` imported from a project directory.

It is called as ``function(X_train, y_train, params)`` and must return a fitted estimator with ``predict``
(and ``predict_proba`` for classification). Only the project directory is added to ``sys.path``, and the
module must be a file of that directory: a name that is already imported from elsewhere (``os``) is refused.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ct_pipeline.errors import InvalidInput
from ct_pipeline.models.projects import inside, project_dir

FIELD: Final = "model.custom"
_ENTRYPOINT: Final = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*)", re.ASCII)
TrainFunction = Callable[[Any, Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class CustomModel:
    """A custom training function in a project: ``entrypoint`` is ``module:function``."""

    project: str
    entrypoint: str
    params: Mapping[str, Any]


def load_function(model: CustomModel, environ: Mapping[str, str]) -> TrainFunction:
    """Import the entry point's function from its project; `InvalidInput` for anything unknown."""
    directory = project_dir(model.project, environ, f"{FIELD}.project")
    match = _ENTRYPOINT.fullmatch(model.entrypoint)
    if match is None:
        raise InvalidInput(f"{FIELD}.entrypoint: must be module:function, got {model.entrypoint!r}")
    module_name, function_name = match.groups()
    expected = _module_file(directory, module_name)
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise InvalidInput(
            f"{FIELD}.entrypoint: module {module_name!r} of project {model.project!r} failed to import: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    origin = getattr(module, "__file__", None)
    if origin is None or Path(origin).resolve() != expected:
        raise InvalidInput(
            f"{FIELD}.entrypoint: module {module_name!r} is not the project's own ({origin}); rename it"
        )
    function = getattr(module, function_name, None)
    if not callable(function):
        raise InvalidInput(f"{FIELD}.entrypoint: {module_name} has no function {function_name!r}")
    return function  # type: ignore[no-any-return]


def _module_file(directory: Path, module_name: str) -> Path:
    relative = module_name.replace(".", "/")
    for candidate in (f"{relative}.py", f"{relative}/__init__.py"):
        path = inside(directory, candidate, f"{FIELD}.entrypoint")
        if path.is_file():
            return path
    raise InvalidInput(f"{FIELD}.entrypoint: project has no module {module_name!r} ({relative}.py)")
