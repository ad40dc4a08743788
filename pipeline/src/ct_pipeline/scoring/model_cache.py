"""Registered-model versions cached on the worker's disk: downloaded once, then read from there.

``CT_MODEL_CACHE_DIR/<registered model>/<version>/`` holds the version's model files. A version's files never
change in the registry, so a folder that exists is complete and current: a download goes to a temporary
folder beside it and is renamed into place whole, and a promotion is picked up because it names another
version. The training run's reference sample (for drift) is cached beside it:
``<version>.reference.parquet``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from ct_pipeline.errors import InfrastructureError, InvalidInput
from ct_pipeline.registry import ModelVersion, download_model, download_run_file
from ct_pipeline.steps.training import REFERENCE_ARTIFACT
from ct_pipeline.task_file import is_version_number

CACHE_DIR_VAR: Final = "CT_MODEL_CACHE_DIR"
CacheOutcome = Literal["hit", "miss"]


@dataclass(frozen=True)
class CachedModel:
    """The folder holding a version's model files, and whether they were on disk already."""

    folder: Path
    cache: CacheOutcome


def cache_root(environ: Mapping[str, str]) -> Path:
    """``CT_MODEL_CACHE_DIR``, or ``<temp>/ct-model-cache`` when it is unset (a run by hand)."""
    return Path(environ.get(CACHE_DIR_VAR) or Path(tempfile.gettempdir()) / "ct-model-cache")


def version_folder(root: Path, version: ModelVersion) -> Path:
    """``root/<registered model>/<version>``; a name that would leave ``root`` is `InvalidInput`."""
    name = version.registered_model
    if not name or name in (".", "..") or any(c in name for c in "/\\\x00"):
        raise InvalidInput(f"registered_model: {name!r} cannot name a cache folder")
    if not is_version_number(version.version):
        raise InvalidInput(f"model version {version.version!r} is not a version number")
    return root / name / version.version


def cached_model(root: Path, version: ModelVersion) -> CachedModel:
    """The version's model folder, downloaded first unless it is cached already."""

    def download(staging: Path) -> None:
        download_model(version, staging)
        if not (staging / "MLmodel").is_file():
            raise InfrastructureError(f"the download of {version.model_uri} holds no MLmodel file")

    target = version_folder(root, version)
    return CachedModel(target, "miss" if _fill(target, download) else "hit")


def keep_model(root: Path, version: ModelVersion, folder: Path) -> None:
    """Cache the model files in ``folder`` as ``version``'s: the files the run that registered it uploaded,
    with the ``registered_model_meta`` file MLflow adds to a download of a version, so the same files a
    download gives. Left as is when the version is cached already."""
    from mlflow.store.artifact.models_artifact_repo import REGISTERED_MODEL_META_FILE_NAME
    from mlflow.utils.yaml_utils import write_yaml

    def copy(staging: Path) -> None:
        shutil.copytree(folder, staging, dirs_exist_ok=True)
        meta = {"model_name": version.registered_model, "model_version": version.version}
        write_yaml(str(staging), REGISTERED_MODEL_META_FILE_NAME, meta, ensure_yaml_extension=False)

    _fill(version_folder(root, version), copy)


def _fill(target: Path, fill: Callable[[Path], None]) -> bool:
    """Make the version folder ``target`` unless it is there: ``fill`` writes a temporary folder beside it,
    which is renamed into place whole. False when it was there already."""
    if (target / "MLmodel").is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        fill(staging)
        _publish(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when the rename happened
    return True


def _publish(staging: Path, target: Path) -> None:
    try:
        os.rename(staging, target)
    except OSError:
        # Another job downloaded the same version meanwhile: its copy is as good as ours.
        if not (target / "MLmodel").is_file():
            raise


def cached_reference(root: Path, version: ModelVersion) -> Path | None:
    """The version's reference sample (from its training run), cached; None when the run logged none."""
    target = version_folder(root, version).with_name(f"{version.version}.reference.parquet")
    if target.is_file():
        return target
    if version.run_id is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version.version}-reference-", dir=target.parent))
    try:
        downloaded = download_run_file(version.run_id, REFERENCE_ARTIFACT, staging)
        if downloaded is None:
            return None
        os.replace(downloaded, target)  # a file: replacing a concurrent job's identical copy is harmless
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
