"""The registry aliases ct moves (``MODEL_ALIASES`` in ``packages/shared``).

``champion`` is the production model: the version a challenger is judged against, and the one score and
monitor jobs use unless they name another. Under the manual policy a winning version becomes ``challenger``
until someone approves it; the API then moves ``champion``.
"""

from __future__ import annotations

from typing import Final

CHAMPION: Final = "champion"
CHALLENGER: Final = "challenger"
