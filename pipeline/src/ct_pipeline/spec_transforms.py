"""The non-learned transforms of a spec's ``preparation.transforms``, applied in order before the split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Op = Literal["rename", "cast", "drop", "filter"]
Operator = Literal["==", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True)
class Transform:
    """One transform: ``rename``/``cast`` use ``mapping``, ``drop`` uses ``names``, ``filter`` the rest."""

    op: Op
    mapping: Mapping[str, str] = field(default_factory=dict)
    names: tuple[str, ...] = ()
    column: str | None = None
    operator: Operator | None = None
    value: bool | int | float | str | None = None

    def describe(self) -> str:
        """A short text for messages: ``filter price >= 3``."""
        if self.op == "filter":
            return f"filter {self.column} {self.operator} {self.value!r}"
        if self.op == "drop":
            return f"drop {list(self.names)}"
        return f"{self.op} {dict(self.mapping)}"


def parse_transforms(raw: Sequence[Mapping[str, Any]]) -> tuple[Transform, ...]:
    """The transforms of a schema-valid ``preparation.transforms`` list."""
    result = []
    for item in raw:
        op = item["op"]
        if op in ("rename", "cast"):
            result.append(Transform(op, mapping=dict(item["columns"])))
        elif op == "drop":
            result.append(Transform(op, names=tuple(item["columns"])))
        else:
            result.append(
                Transform(op, column=item["column"], operator=item["operator"], value=item["value"])
            )
    return tuple(result)
