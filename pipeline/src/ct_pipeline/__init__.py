"""ct's continuous-training pipeline: its steps, data sources, and the event protocol the worker reads.

See `ct_pipeline.events` for the structured events sent to the ct worker.
"""

from importlib.metadata import version

__version__: str = version("ct-pipeline")
