"""Registering a model version and moving an alias, with one request each.

``mlflow.register_model`` tries to create the registered model every time (a refused request once it
exists), then creates the version, then reads the logged model twice and rewrites its
``mlflow.modelVersions`` tag, which the tracking server already writes when it creates a version of a logged
model. ``MlflowClient.set_registered_model_alias`` reads the registered model first (to refuse a prompt).
Here a version is one ``model-versions/create`` (its tags included) once the registered model is known
to exist, and an alias one ``registered-models/alias``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from ct_pipeline.run_batch import MAX_TAG_LENGTH

ABSENT: Final = "RESOURCE_DOES_NOT_EXIST"
EXISTS: Final = "RESOURCE_ALREADY_EXISTS"
_LOGGED_MODEL_URI: Final = "models:/m-"


def create_version(
    name: str, model_uri: str, run_id: str, tags: Mapping[str, object], model_exists: bool
) -> str:
    """Register ``model_uri`` (a logged model's ``models:/<id>``) as a new version of ``name``.

    ``model_exists``: the registered model was seen a moment ago, so it is not created first; if it was
    deleted since, it is created and the version registered again. Returns the version number.
    """
    client = MlflowClient()
    if not model_exists:
        _create_registered_model(client, name)
    model_id = model_uri.removeprefix("models:/") if model_uri.startswith(_LOGGED_MODEL_URI) else None
    values = {key: str(value)[:MAX_TAG_LENGTH] for key, value in tags.items()}

    def create() -> str:
        version = client.create_model_version(name, model_uri, run_id=run_id, tags=values, model_id=model_id)
        return str(version.version)

    try:
        return create()
    except MlflowException as exc:
        if not model_exists or exc.error_code != ABSENT:
            raise
    _create_registered_model(client, name)
    return create()


def set_alias(name: str, alias: str, version: str) -> None:
    """Point ``alias`` of registered model ``name`` at ``version``, in one request when MLflow allows."""
    client = MlflowClient()
    registry = getattr(client, "_get_registry_client", None)
    if registry is None:  # another MLflow: its public call, with whatever it reads first
        client.set_registered_model_alias(name, alias, version)
        return
    registry().set_registered_model_alias(name, alias, version)


def _create_registered_model(client: MlflowClient, name: str) -> None:
    try:
        client.create_registered_model(name)
    except MlflowException as exc:
        if exc.error_code != EXISTS:
            raise
