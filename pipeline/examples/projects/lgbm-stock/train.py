"""A stock MLflow Project entry point, written for ``mlflow run``: it knows nothing of ct.

It loads scikit-learn's diabetes data itself, holds out a test share, and fits a LightGBM regressor inside
``with mlflow.start_run():`` with ``mlflow.lightgbm.autolog()`` on. Autologging logs the params, the
training metrics, the feature importances and the fitted model (a logged model named ``model``, lightgbm
flavor, with its signature): no explicit ``log_model`` call.

Run by ct (``model.mlproject``), ``MLFLOW_TRACKING_URI`` and ``MLFLOW_RUN_ID`` name the job's run, so
``start_run()`` resumes it and ct evaluates the model logged here on ct's own test split. The share held
out here (20%, seed 42) is the rows a ct spec's default split of this dataset tests on (``split.test_size``
0.2, ``split.seed`` 42), so ct's test rows are rows this script did not train on.
"""

from __future__ import annotations

import argparse

import mlflow
from lightgbm import LGBMRegressor
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--n-estimators", type=int, default=200)
parser.add_argument("--learning-rate", type=float, default=0.05)
parser.add_argument("--num-leaves", type=int, default=15)
args = parser.parse_args()

x, y = load_diabetes(return_X_y=True, as_frame=True)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=42)

mlflow.lightgbm.autolog()
with mlflow.start_run():
    model = LGBMRegressor(
        n_estimators=args.n_estimators,
        learning_rate=args.learning_rate,
        num_leaves=args.num_leaves,
        random_state=7,
        verbose=-1,
    )
    model.fit(x_train, y_train)
    mlflow.log_metric("holdout_r2", model.score(x_test, y_test))
