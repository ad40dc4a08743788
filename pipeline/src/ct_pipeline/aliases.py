"""The registry aliases ct moves, by their role (`ct_pipeline.contract.MODEL_ALIASES`, in that order).

``champion`` is the production model: the version a challenger is judged against, and the one score and
monitor jobs use unless they name another. Under the manual policy a winning version becomes ``challenger``
until someone approves it; the API then moves ``champion``.
"""

from __future__ import annotations

from ct_pipeline.contract import MODEL_ALIASES

# Unpacked, so that the import fails loudly if the contract ever names more or fewer aliases.
CHAMPION, CHALLENGER = MODEL_ALIASES
