"""Custom training functions and MLflow Projects: spec forms, project resolution, parameter checks."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from ct_pipeline.errors import InvalidInput
from ct_pipeline.models.custom import CustomModel, load_function
from ct_pipeline.models.mlproject import MLProjectModel, resolve
from ct_pipeline.spec import ModelSpec, parse_spec

EXAMPLE_PROJECTS = Path(__file__).parent.parent / "examples" / "projects"
BASE: dict[str, Any] = {
    "pipeline": "diabetes-custom",
    "task": "regression",
    "data": {"source": "sklearn", "name": "diabetes"},
}
CUSTOM = {"project": "ridge-custom", "entrypoint": "train_model:train", "params": {"alpha": 0.5}}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the example projects as the project root, with a secret outside it."""
    projects = tmp_path / "projects"
    shutil.copytree(EXAMPLE_PROJECTS, projects)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "evil.py").write_text("def train(x, y, p):\n    return None\n")
    (tmp_path / "outside" / "MLproject").write_text("entry_points: {main: {command: python evil.py}}\n")
    return projects


def env(root: Path) -> dict[str, str]:
    return {"CT_PROJECTS_ROOT": str(root)}


@pytest.fixture(autouse=True)
def _clean_imports() -> Any:
    before = set(sys.modules), list(sys.path)
    yield
    for name in set(sys.modules) - before[0]:
        if name in ("train_model", "evil", "pkg", "pkg.fit"):
            del sys.modules[name]
    sys.path[:] = before[1]


def test_the_estimator_form_is_unchanged() -> None:
    sut = parse_spec({**BASE, "model": {"estimator": "sklearn.linear_model.Ridge", "params": {"alpha": 1}}})

    assert sut.model == ModelSpec("sklearn.linear_model.Ridge", {"alpha": 1})


def test_custom_and_mlproject_forms_parse() -> None:
    custom = parse_spec({**BASE, "model": {"custom": CUSTOM}})
    project = parse_spec({**BASE, "model": {"mlproject": {"project": "ridge-mlproject"}}})

    assert custom.model == CustomModel("ridge-custom", "train_model:train", {"alpha": 0.5})
    assert project.model == MLProjectModel("ridge-mlproject", "main", {})


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({}, "model: needs exactly one of estimator, custom and mlproject"),
        ({"estimator": "sklearn.linear_model.Ridge", "custom": CUSTOM}, "model: needs exactly one"),
        ({"custom": CUSTOM, "params": {"alpha": 1}}, "model.params: belongs to estimator"),
        ({"custom": {**CUSTOM, "project": "../x"}}, "model.custom.project:"),
        ({"custom": {**CUSTOM, "project": "/etc"}}, "model.custom.project:"),
        ({"custom": {**CUSTOM, "entrypoint": "os.path"}}, "model.custom.entrypoint:"),
        ({"custom": {**CUSTOM, "entrypoint": "../x:train"}}, "model.custom.entrypoint:"),
        ({"custom": {**CUSTOM, "shell": True}}, "model.custom:"),
        ({"mlproject": {"project": "p", "parameters": {"a": [1]}}}, "model.mlproject.parameters.a:"),
        ({"mlproject": {"project": "p", "entry_point": "a b"}}, "model.mlproject.entry_point:"),
    ],
)
def test_bad_model_forms_are_invalid_input(model: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_spec({**BASE, "model": model})

    assert caught.value.message.startswith(message), caught.value.message


def test_a_custom_function_is_imported_from_its_project(root: Path) -> None:
    function = load_function(CustomModel("ridge-custom", "train_model:train", {}), env(root))

    assert function.__module__ == "train_model"
    assert (
        Path(sys.modules["train_model"].__file__ or "").resolve().parent == (root / "ridge-custom").resolve()
    )


def test_an_uploaded_version_runs_the_folder_of_its_name(root: Path) -> None:
    # The worker gives a run of `<name>@<hash>` a root that holds that version as `<name>`.
    function = load_function(CustomModel(f"ridge-custom@{'ab' * 32}", "train_model:train", {}), env(root))

    module = Path(sys.modules["train_model"].__file__ or "")
    assert function.__module__ == "train_model"
    assert module.resolve().parent == (root / "ridge-custom").resolve()


@pytest.mark.parametrize("project", ["ridge-custom@", "ridge-custom@XYZ123", "ridge-custom@abc", "@abcdef"])
def test_a_malformed_version_is_invalid_input(root: Path, project: str) -> None:
    with pytest.raises(InvalidInput, match="is not a project name"):
        load_function(CustomModel(project, "train_model:train", {}), env(root))


def test_the_default_project_root_is_projects_in_the_cwd(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root.parent)

    assert load_function(CustomModel("ridge-custom", "train_model:train", {}), {})


@pytest.mark.parametrize(
    ("project", "entrypoint", "message"),
    [
        ("nope", "train_model:train", "model.custom.project: there is no project 'nope'"),
        ("../outside", "evil:train", "model.custom.project: '../outside' is not a project name"),
        (str(Path("/tmp")), "evil:train", "model.custom.project:"),
        ("ridge-custom", "missing:train", "model.custom.entrypoint: project has no module 'missing'"),
        ("ridge-custom", "train_model:nope", "model.custom.entrypoint: train_model has no function 'nope'"),
        ("ridge-custom", "json:loads", "model.custom.entrypoint: project has no module 'json'"),
    ],
)
def test_unknown_or_escaping_custom_entrypoints_are_invalid_input(
    root: Path, project: str, entrypoint: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_function(CustomModel(project, entrypoint, {}), env(root))

    assert caught.value.message.startswith(message), caught.value.message


def test_a_module_shadowing_an_imported_one_is_refused(root: Path) -> None:
    (root / "ridge-custom" / "json.py").write_text("def loads(x, y, p):\n    return None\n")

    with pytest.raises(InvalidInput, match="is not the project's own"):
        load_function(CustomModel("ridge-custom", "json:loads", {}), env(root))


def test_a_project_symlinked_outside_the_root_is_refused(root: Path) -> None:
    (root / "linked").symlink_to(root.parent / "outside", target_is_directory=True)

    with pytest.raises(InvalidInput, match="leads outside CT_PROJECTS_ROOT"):
        load_function(CustomModel("linked", "evil:train", {}), env(root))
    with pytest.raises(InvalidInput, match="leads outside CT_PROJECTS_ROOT"):
        resolve(MLProjectModel("linked", "main", {}), env(root))


def test_a_module_symlinked_outside_the_project_is_refused(root: Path) -> None:
    (root / "ridge-custom" / "evil.py").symlink_to(root.parent / "outside" / "evil.py")

    with pytest.raises(InvalidInput, match="leads outside the project directory"):
        load_function(CustomModel("ridge-custom", "evil:train", {}), env(root))


def test_an_mlproject_becomes_an_argv_without_a_shell(root: Path) -> None:
    sut = resolve(
        MLProjectModel("ridge-mlproject", "main", {"alpha": 2, "note": "1; rm -rf / $(id) `id`"}), env(root)
    )

    script = str((root / "ridge-mlproject" / "train.py").resolve())
    assert sut.argv == (script, "--alpha", "2.0", "--max-iter", "1000", "--note", "1; rm -rf / $(id) `id`")


def write_project(root: Path, parameters: str, command: str = "python train.py") -> None:
    project = root / "typed"
    project.mkdir()
    (project / "train.py").write_text("")
    (project / "data").mkdir()
    text = f"entry_points:\n  main:\n    parameters: {parameters}\n    command: {json.dumps(command)}\n"
    (project / "MLproject").write_text(text)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"alpha": "0.5"}, "model.mlproject.parameters.alpha: expects a float, got str '0.5'"),
        ({"n": 1.5}, "model.mlproject.parameters.n: expects an int, got float 1.5"),
        ({"name": 3}, "model.mlproject.parameters.name: expects a string, got int 3"),
        ({"gamma": 1}, "model.mlproject.parameters.gamma: entry point 'main' has no such parameter"),
        ({"data": "../../outside"}, "model.mlproject.parameters.data: '../../outside' leads outside"),
        ({"data": "/etc/passwd"}, "model.mlproject.parameters.data: must be a path relative"),
    ],
)
def test_mlproject_parameters_are_checked_against_their_types(
    root: Path, given: dict[str, Any], message: str
) -> None:
    write_project(
        root,
        "{alpha: float, n: {type: int, default: 3}, name: {type: string, default: x}, data: "
        "{type: path, default: data}}",
    )
    parameters = {"alpha": 0.5, **given}

    with pytest.raises(InvalidInput) as caught:
        resolve(MLProjectModel("typed", "main", parameters), env(root))

    assert caught.value.message.startswith(message), caught.value.message


def test_mlproject_path_parameters_resolve_inside_the_project(root: Path) -> None:
    write_project(root, "{data: {type: path, default: data}}", "python train.py --in={data}")
    (root / "typed" / "data" / "out").symlink_to(root.parent / "outside")

    sut = resolve(MLProjectModel("typed", "main", {}), env(root))
    assert sut.argv[1:] == (f"--in={(root / 'typed' / 'data').resolve()}",)
    with pytest.raises(InvalidInput, match="leads outside the project directory"):
        resolve(MLProjectModel("typed", "main", {"data": "data/out/x"}), env(root))


@pytest.mark.parametrize(
    ("parameters", "command", "given", "message"),
    [
        ("{a: float}", "python train.py", {}, "model.mlproject.parameters.a: required"),
        ("{a: uri}", "python train.py", {}, "model.mlproject.entry_point: parameter 'a' of 'main' has type"),
        ("{}", "bash -c 'rm -rf /'", {}, "model.mlproject.entry_point: the command of 'main' must be"),
        ("{}", "python ../outside/evil.py", {}, "model.mlproject.entry_point: '../outside/evil.py' leads"),
        ("{}", "python missing.py", {}, "model.mlproject.entry_point: the project has no script"),
        ("{}", "python train.py {x}", {}, "model.mlproject.entry_point: the command uses an undeclared {x}"),
    ],
)
def test_unsupported_mlproject_entry_points_are_invalid_input(
    root: Path, parameters: str, command: str, given: dict[str, Any], message: str
) -> None:
    write_project(root, parameters, command)

    with pytest.raises(InvalidInput) as caught:
        resolve(MLProjectModel("typed", "main", given), env(root))

    assert caught.value.message.startswith(message), caught.value.message


def test_an_unknown_entry_point_or_missing_mlproject_is_invalid_input(root: Path) -> None:
    with pytest.raises(InvalidInput, match="no entry point 'other'"):
        resolve(MLProjectModel("ridge-mlproject", "other", {}), env(root))
    with pytest.raises(InvalidInput, match="cannot read its MLproject file"):
        resolve(MLProjectModel("ridge-custom", "main", {}), env(root))
