"""Batch scoring (``python -m ct_pipeline.score``): the task, the model cache, the rows, the predictions."""
