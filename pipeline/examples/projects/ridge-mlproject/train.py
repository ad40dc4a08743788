"""An MLflow Project entry point for ct: fit a ridge regression on the split ct hands over.

ct passes the training split as parquet files (``CT_TRAIN_X``, ``CT_TRAIN_Y``), the job's MLflow run
(``MLFLOW_TRACKING_URI``, ``MLFLOW_RUN_ID``), and where to save the fitted model (``CT_MODEL_PATH``).
"""

from __future__ import annotations

import argparse
import os

import mlflow
import pandas as pd
import skops.io
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

parser = argparse.ArgumentParser()
parser.add_argument("--alpha", type=float, required=True)
parser.add_argument("--max-iter", type=int, required=True)
parser.add_argument("--note", required=True)
args = parser.parse_args()

x = pd.read_parquet(os.environ["CT_TRAIN_X"])
y = pd.read_parquet(os.environ["CT_TRAIN_Y"]).iloc[:, 0]
model = Pipeline(
    [
        ("impute", SimpleImputer(strategy="median")),
        ("scale", StandardScaler()),
        ("model", Ridge(alpha=args.alpha, max_iter=args.max_iter)),
    ]
)
model.fit(x, y)
# Both land in the job's run (MLFLOW_RUN_ID); the note exactly as it arrived, as one argv element.
mlflow.log_params({"script.note": args.note, "script.max_iter": args.max_iter})
mlflow.log_metric("script.train_rows", len(x))
skops.io.dump(model, os.environ["CT_MODEL_PATH"])
