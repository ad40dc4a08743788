"""Data file paths (CSV, Parquet) stay inside CT_DATA_ROOT, whatever the spec says, wherever links point."""

from __future__ import annotations

from pathlib import Path

import pytest

from ct_pipeline.errors import InvalidInput
from ct_pipeline.sources.files import resolve_data_path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root" / "sub").mkdir(parents=True)
    (tmp_path / "outside.csv").write_text("a,y\n1,2\n")
    return tmp_path / "root"


@pytest.mark.parametrize("relative", ["data.csv", "sub/data.csv", "./sub/../data.csv"])
def test_path_inside_the_root_resolves_under_it(root: Path, relative: str) -> None:
    assert resolve_data_path(root, relative).parent in (root.resolve(), (root / "sub").resolve())


def test_symlink_to_a_file_inside_the_root_is_allowed(root: Path) -> None:
    (root / "sub" / "real.csv").write_text("a,y\n")
    (root / "link.csv").symlink_to(root / "sub" / "real.csv")

    assert resolve_data_path(root, "link.csv") == (root / "sub" / "real.csv").resolve()


@pytest.mark.parametrize("relative", ["../outside.csv", "sub/../../outside.csv"])
def test_dot_dot_out_of_the_root_is_refused(root: Path, relative: str) -> None:
    with pytest.raises(InvalidInput, match=r"data.path: .* resolves outside CT_DATA_ROOT"):
        resolve_data_path(root, relative)


def test_absolute_path_is_refused(root: Path) -> None:
    with pytest.raises(InvalidInput, match="outside CT_DATA_ROOT"):
        resolve_data_path(root, str(root.parent / "outside.csv"))


@pytest.mark.parametrize("link", ["escape.csv", "sub/escape.csv"])
def test_symlink_pointing_outside_is_refused(root: Path, link: str) -> None:
    (root / link).symlink_to(root.parent / "outside.csv")

    with pytest.raises(InvalidInput, match="outside CT_DATA_ROOT"):
        resolve_data_path(root, link)


def test_symlinked_directory_pointing_outside_is_refused(root: Path) -> None:
    (root / "elsewhere").symlink_to(root.parent, target_is_directory=True)

    with pytest.raises(InvalidInput, match="outside CT_DATA_ROOT"):
        resolve_data_path(root, "elsewhere/outside.csv")
