"""Live monitoring (``python -m ct_pipeline.monitor``): the task, the window, live metrics, drift."""
