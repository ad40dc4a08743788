"""Project directories: a plain name under ``CT_PROJECTS_ROOT``; nothing may lead outside the root.

A spec may name an uploaded version as ``<name>@<hash>``: the worker fetches that version and gives the run
a ``CT_PROJECTS_ROOT`` that holds it as ``<name>``, so the directory is always the name's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from ct_pipeline.errors import InvalidInput

PROJECTS_ROOT_VAR: Final = "CT_PROJECTS_ROOT"
PROJECT_REF: Final = re.compile(r"(?P<name>[a-z0-9][a-z0-9_-]{0,63})(?:@[0-9a-f]{6,64})?")


def projects_root(environ: Mapping[str, str]) -> Path:
    """``CT_PROJECTS_ROOT``, else ``<cwd>/projects``, with symlinks resolved."""
    return Path(environ.get(PROJECTS_ROOT_VAR) or Path(os.getcwd()) / "projects").resolve()


def project_dir(name: str, environ: Mapping[str, str], field: str) -> Path:
    """The resolved directory of project ``name``; `InvalidInput` naming ``field`` if it is not a known one.

    The name must be a plain name (no separators, no ``..``), and the directory, symlinks resolved, must be
    a directory directly under the root: a symlink pointing elsewhere is refused.
    """
    ref = PROJECT_REF.fullmatch(name)
    if ref is None:
        raise InvalidInput(
            f"{field}: {name!r} is not a project name (a-z, 0-9, _ and -, at most 64; @<hash> for a version)"
        )
    name = ref["name"]
    root = projects_root(environ)
    resolved = (root / name).resolve()
    if resolved.parent != root:
        raise InvalidInput(f"{field}: project {name!r} leads outside {PROJECTS_ROOT_VAR} ({root})")
    if not resolved.is_dir():
        raise InvalidInput(f"{field}: there is no project {name!r} in {PROJECTS_ROOT_VAR} ({root})")
    return resolved


def inside(base: Path, relative: str, field: str) -> Path:
    """``base / relative`` resolved; `InvalidInput` when it is absolute or leads outside ``base``."""
    if not relative or "\x00" in relative or Path(relative).is_absolute():
        raise InvalidInput(f"{field}: must be a path relative to the project directory, got {relative!r}")
    resolved = (base / relative).resolve()
    if not resolved.is_relative_to(base):
        raise InvalidInput(f"{field}: {relative!r} leads outside the project directory")
    return resolved
