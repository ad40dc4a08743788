"""ct's continuous-training pipeline: its steps, data sources, and the event protocol the worker reads.

`ct_pipeline.train` is the command the worker runs for a training job; `ct_pipeline.events` sends the
structured events to the ct worker.
"""

from importlib.metadata import version

__version__: str = version("ct-pipeline")
