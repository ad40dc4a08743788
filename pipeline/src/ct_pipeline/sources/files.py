"""CSV and Parquet files under ``CT_DATA_ROOT``: the path rules and the readers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ct_pipeline.errors import DataError, InvalidInput


def resolve_data_path(data_root: Path, relative: str) -> Path:
    """Return ``data_root / relative`` with symlinks resolved; `InvalidInput` if it leaves ``data_root``."""
    root = data_root.resolve()
    path = (root / relative).resolve()
    if Path(relative).is_absolute() or not path.is_relative_to(root):
        raise InvalidInput(f"data.path: {relative!r} resolves outside CT_DATA_ROOT ({root})")
    return path


def read_file(source: str, shown: str, path: Path) -> pd.DataFrame:
    """Read a ``csv`` or ``parquet`` file; `DataError` naming ``shown`` (the spec's path) if it cannot."""
    try:
        return pd.read_csv(path) if source == "csv" else pd.read_parquet(path)
    except MemoryError as exc:
        raise DataError(f"not enough memory to load {shown}") from exc
    except Exception as exc:  # OSError, parser errors, pyarrow's errors: all mean the file is unusable
        raise DataError(f"cannot read {shown}: {type(exc).__name__}: {exc}") from exc
