"""The baseline of bench/scoring.mjs: a registered model's predict on a CSV's rows, in a bare Python process.

    python bare-predict.py MODEL_URI CSV OUTPUT_CSV KEY_COLUMN FEATURE [FEATURE ...]

What a data scientist would write by hand: load the version from MLflow's registry (no cache: it downloads
it), read the file with pandas, predict every row in one call, write key and prediction to a CSV. Prints the
seconds of each part as one JSON line, so the bench can put the process's wall time beside its predict.
"""

import json
import sys
import time

began = time.perf_counter()
import mlflow.pyfunc  # noqa: E402  (the import is part of what a bare process pays)
import pandas as pd  # noqa: E402

imported = time.perf_counter()
model_uri, csv, output, key_column, *features = sys.argv[1:]
model = mlflow.pyfunc.load_model(model_uri)
loaded = time.perf_counter()
frame = pd.read_csv(csv)
read = time.perf_counter()
predictions = model.predict(frame[features])
predicted = time.perf_counter()
pd.DataFrame({key_column: frame[key_column], "prediction": predictions}).to_csv(output, index=False)
written = time.perf_counter()
print(
    json.dumps(
        {
            "rows": len(frame),
            "import_s": imported - began,
            "load_s": loaded - imported,
            "read_s": read - loaded,
            "predict_s": predicted - read,
            "write_s": written - predicted,
        }
    )
)
