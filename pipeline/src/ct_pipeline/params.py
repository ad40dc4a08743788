"""Checks a spec's model params against the estimator class: known names, JSON values of the right type.

Only the type is checked here (a string where an int is expected is invalid input). Values of the right type
but out of range (``n_estimators: -1``) are left to the estimator, which raises when it is fitted.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Mapping
from typing import Any, Final

from ct_pipeline.catalogue import EstimatorEntry, JsonScalar
from ct_pipeline.errors import InvalidInput

Kinds = frozenset[str]
ANY: Final[Kinds] = frozenset({"boolean", "integer", "number", "string", "null"})
# One sample value per JSON kind, to ask "does this constraint accept a value of that kind?".
_SAMPLES: Final[Mapping[str, object]] = {"integer": 1, "number": 0.5, "string": "s", "null": None}
# scikit-learn's named constraints that only concern JSON scalars (others, like "array-like", accept none).
_NAMED: Final[Mapping[str, Kinds]] = {
    "boolean": frozenset({"boolean"}),
    "random_state": frozenset({"integer", "null"}),
    "verbose": frozenset({"integer", "boolean"}),
    "cv_object": frozenset({"integer", "null"}),
    "missing_values": frozenset({"integer", "number", "string", "null"}),
    "nan": frozenset({"number"}),
    "no_validation": ANY,
}


def kind_of(value: JsonScalar) -> str:
    """The JSON kind of a param value: boolean, integer, number (not integral), string or null."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    raise TypeError(f"not a JSON scalar: {value!r}")


def _kinds_of_type(tp: object) -> Kinds:
    if tp is bool:
        return frozenset({"boolean"})
    if tp is type(None):
        return frozenset({"null"})
    if not isinstance(tp, type):
        return frozenset()
    return frozenset(
        kind for kind, sample in _SAMPLES.items() if sample is not None and isinstance(sample, tp)
    )


def _kinds_of_constraint(constraint: object) -> Kinds:
    if constraint is None:
        return frozenset({"null"})
    if isinstance(constraint, str):
        return _NAMED.get(constraint, frozenset())
    inner = getattr(constraint, "constraint", None)  # Hidden(...): valid, just not advertised
    if inner is not None:
        return _kinds_of_constraint(inner)
    # Interval, Options, StrOptions and plain types all carry the type of the values they accept.
    return _kinds_of_type(getattr(constraint, "type", constraint))


def _kinds_of_annotation(annotation: object) -> Kinds:
    if annotation is Any:
        return ANY
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return frozenset().union(*(_kinds_of_annotation(arg) for arg in args))
    if annotation is float:
        return frozenset({"integer", "number"})
    return _kinds_of_type(annotation)


def accepted_kinds(cls: type, name: str) -> Kinds:
    """The JSON kinds that param ``name`` of ``cls`` accepts.

    Read from scikit-learn's ``_parameter_constraints`` when the class has them, else from the type hints
    of ``__init__`` (LightGBM); a param described by neither (one of ``**kwargs``) accepts any scalar.
    """
    constraints = getattr(cls, "_parameter_constraints", None)
    if isinstance(constraints, dict) and name in constraints:
        return frozenset().union(*(_kinds_of_constraint(c) for c in constraints[name]))
    try:
        hints = typing.get_type_hints(cls.__init__)
    except Exception:  # unresolvable hints: fall back to no type check, the estimator still validates
        hints = {}
    if name in hints and name in inspect.signature(cls.__init__).parameters:
        return _kinds_of_annotation(hints[name])
    return ANY


def check_params(entry: EstimatorEntry, params: Mapping[str, JsonScalar]) -> None:
    """Raise `InvalidInput` naming ``model.params.<name>`` for an unknown param or a value of a wrong type."""
    cls = entry.load_class()
    known = entry.make({}).get_params(deep=False)
    for name, value in params.items():
        if name not in known:
            raise InvalidInput(
                f"model.params.{name}: {entry.name} has no param {name!r} "
                f"(known params: {', '.join(sorted(known))})"
            )
        kinds = accepted_kinds(cls, name)
        if kind_of(value) not in kinds:
            expected = " or ".join(sorted(kinds)) if kinds else "a value that JSON cannot express"
            raise InvalidInput(
                f"model.params.{name}: {entry.name} expects {expected}, got {kind_of(value)} {value!r}"
            )
