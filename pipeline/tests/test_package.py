"""The package itself."""

from importlib.metadata import version

import ct_pipeline


def test_version_comes_from_the_installed_metadata() -> None:
    assert ct_pipeline.__version__ == version("ct-pipeline")
    assert ct_pipeline.__version__[0].isdigit()
