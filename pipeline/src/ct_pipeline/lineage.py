"""Lineage tags for every run: spec hash, data fingerprint, code version, Python and key package versions."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Final

import ct_pipeline

CODE_VERSION_VAR: Final = "CT_CODE_VERSION"
PACKAGES: Final = ("mlflow", "scikit-learn", "lightgbm", "pandas", "numpy")


def code_version(environ: Mapping[str, str] = os.environ) -> str:
    """``CT_CODE_VERSION``, else the git commit of the package's checkout, else the package version."""
    if environ.get(CODE_VERSION_VAR):
        return environ[CODE_VERSION_VAR]
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(ct_pipeline.__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is not None and done.returncode == 0 and done.stdout.strip():
        return f"git:{done.stdout.strip()}"
    return f"ct-pipeline=={ct_pipeline.__version__}"


def lineage_tags(
    spec_hash: str, data_fingerprint: str, environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """The run's lineage tags."""
    tags = {
        "ct.spec_hash": spec_hash,
        "ct.data_fingerprint": data_fingerprint,
        "ct.code_version": code_version(environ),
        "ct.python_version": platform.python_version(),
    }
    for name in PACKAGES:
        try:
            tags[f"ct.version.{name}"] = version(name)
        except PackageNotFoundError:
            tags[f"ct.version.{name}"] = "absent"
    return tags
