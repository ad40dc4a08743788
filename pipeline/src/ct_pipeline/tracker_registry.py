"""The model registry side of the `ct_pipeline.tracking.Tracker`: aliases, versions and their tags, and the
model cache folder a registered version's files are kept in. Every MLflow failure is `InfrastructureError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from ct_pipeline.errors import mlflow_call
from ct_pipeline.registration import create_version, set_alias
from ct_pipeline.run_batch import MAX_TAG_LENGTH


class RegistryCalls:
    """Registry reads and writes for a tracker's run ``run_id``."""

    run_id: str
    _registered_models: set[str]  # seen in the registry by `aliases`
    _logged_models: dict[str, Path]  # model URI -> the folder its files were uploaded from

    def aliases(self, name: str) -> dict[str, str]:
        """The aliases of registered model ``name`` (alias → version), read in one call; empty if no model.

        Promotion compares this with what model validation read: MLflow has no conditional alias write, so
        a re-read just before the write is the check that an alias has not moved in between.
        """
        with mlflow_call(f"reading the aliases of {name}"):
            try:
                model = MlflowClient().get_registered_model(name)
            except MlflowException as exc:
                if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                    return {}
                raise
        self._registered_models.add(name)
        return {alias: str(version) for alias, version in dict(model.aliases or {}).items()}

    def load_registered(self, name: str, version: str, cache: Path) -> tuple[Any, str]:
        """Load version ``version`` of registered model ``name`` as `load_local_model` does (may raise).

        Its files come from the model cache folder ``cache`` (the worker's, which score jobs fill too), and
        are downloaded into it only when absent: a version's files never change in the registry, so an
        unchanged champion is not downloaded again by every run judged against it. Returns the model and
        ``"hit"`` or ``"miss"``.
        """
        from ct_pipeline.registry import ModelVersion, load_local_model  # it imports tracking
        from ct_pipeline.scoring.model_cache import cached_model

        found = cached_model(cache, ModelVersion(name, version, None))
        return load_local_model(found.folder), found.cache

    def register(self, model_uri: str, name: str, tags: Mapping[str, object]) -> str:
        """Register ``model_uri`` as a new version of ``name`` with ``tags``; return the version number.

        The registered model is created first unless `aliases` has just seen it (`registration`).
        """
        with mlflow_call(f"registering a version of {name}"):
            return create_version(name, model_uri, self.run_id, tags, name in self._registered_models)

    def keep_registered(self, model_uri: str, name: str, version: str, cache: Path) -> None:
        """Put the files of ``model_uri``, logged by this run and registered as ``name`` v``version``, in the
        model cache folder ``cache`` as a download of that version would: the next run judged against it on
        this worker, or a score job, reads them from there. Nothing when this run did not log ``model_uri``.
        """
        from ct_pipeline.registry import ModelVersion  # it imports tracking
        from ct_pipeline.scoring.model_cache import keep_model

        folder = self._logged_models.get(model_uri)
        if folder is not None:
            keep_model(cache, ModelVersion(name, version, self.run_id), folder)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` of registered model ``name`` at ``version``."""
        with mlflow_call(f"setting {name}@{alias}"):
            set_alias(name, alias, version)

    def set_version_tags(self, name: str, version: str, tags: Mapping[str, object]) -> None:
        """Set tags on version ``version`` of registered model ``name`` (values cut to MLflow's limit)."""
        with mlflow_call(f"tagging {name} v{version}"):
            client = MlflowClient()
            for key, value in tags.items():
                client.set_model_version_tag(name, version, key, str(value)[:MAX_TAG_LENGTH])
