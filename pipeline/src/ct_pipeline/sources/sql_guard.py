"""A client-side check that a query is one SELECT (or WITH ... SELECT), for the IRIS source.

For Postgres the server enforces one statement and a read-only transaction. For IRIS nothing like it could be
tried here (no IRIS server), so the IRIS source checks the text before sending it: no ``;`` between
statements, no statement keyword that writes or changes the session. Strings (``'...'``), quoted identifiers
(``"..."``) and comments are skipped, so a ``;`` or a ``DELETE`` inside them is fine. This guards against
mistakes and the plain attacks; it is not a SQL parser: a SELECT can still call a stored procedure that
writes, so the source's user must hold SELECT privileges only.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from ct_pipeline.errors import InvalidInput

# Statement verbs a reading query never needs; as bare words outside strings, identifiers and comments.
FORBIDDEN_WORDS: Final = frozenset(
    {
        "ALTER", "CALL", "COMMIT", "CREATE", "DELETE", "DROP", "EXECUTE", "GRANT", "INSERT", "INTO",
        "KILL", "LOCK", "MERGE", "REVOKE", "ROLLBACK", "SAVEPOINT", "SET", "START", "TRUNCATE", "UNLOCK",
        "UPDATE", "USE",
    }
)  # fmt: skip
_WORD: Final = re.compile(r"[A-Za-z_%][A-Za-z0-9_%$#@]*")
_QUOTES: Final = {"'": "a string", '"': "a quoted identifier"}
_BLANK_OR_SEMICOLON: Final = "; \t\r\n"


Kind = Literal["code", "quoted", "comment"]


def segments(query: str) -> list[tuple[Kind, str]]:
    """The query cut into ``(kind, text)`` pieces: code, one string or quoted identifier, or one comment.

    `InvalidInput` when a string, identifier or comment is not closed: the server would read what follows
    differently from this guard.
    """
    pieces: list[tuple[Kind, str]] = []
    start = i = 0
    while i < len(query):
        end = _skipped_until(query, i)
        if end == i:
            i += 1
            continue
        if start < i:
            pieces.append(("code", query[start:i]))
        pieces.append(("quoted" if query[i] in _QUOTES else "comment", query[i:end]))
        start = i = end
    if start < len(query):
        pieces.append(("code", query[start:]))
    return pieces


def single_select(query: str) -> str:
    """The query, without the ``;`` and comments that end it, if it is one SELECT (or WITH ... SELECT).

    `InvalidInput` otherwise: a ``;`` followed by more code, a first word other than SELECT or WITH, or a
    statement keyword that writes (INSERT, UPDATE, DELETE, ...) outside strings, identifiers and comments.
    """
    pieces = segments(query)
    while pieces and (pieces[-1][0] == "comment" or not pieces[-1][1].strip(_BLANK_OR_SEMICOLON)):
        pieces.pop()  # trailing comments, blanks and semicolons
    if pieces and pieces[-1][0] == "code":
        pieces[-1] = ("code", pieces[-1][1].rstrip(_BLANK_OR_SEMICOLON))
    code = " ".join(text for kind, text in pieces if kind == "code")
    if ";" in code:
        raise InvalidInput("data.query: refused, it holds more than one statement (give one SELECT)")
    words = [word.upper() for word in _WORD.findall(code)]
    if not words or words[0] not in ("SELECT", "WITH") or "SELECT" not in words:
        raise InvalidInput("data.query: must be a SELECT (or WITH ... SELECT) query")
    forbidden = sorted(FORBIDDEN_WORDS.intersection(words))
    if forbidden:
        raise InvalidInput(
            f"data.query: refused, {', '.join(forbidden)} outside a string: only a reading SELECT may run"
        )
    return "".join(text for _, text in pieces).strip()


def _skipped_until(query: str, i: int) -> int:
    """The end of the string, quoted identifier or comment starting at ``i``; ``i`` when none starts there."""
    char, pair = query[i], query[i : i + 2]
    if char in _QUOTES:
        end = i + 1
        while True:  # a doubled quote is an escaped one
            end = query.find(char, end)
            if end < 0:
                raise InvalidInput(f"data.query: {_QUOTES[char]} opened at character {i + 1} is not closed")
            if query[end + 1 : end + 2] != char:
                return end + 1
            end += 2
    if pair == "--":
        end = query.find("\n", i)
        return len(query) if end < 0 else end
    if pair == "/*":
        end = query.find("*/", i + 2)
        if end < 0:
            raise InvalidInput(f"data.query: a comment opened at character {i + 1} is not closed")
        return end + 2
    return i
