"""The IRIS source's client-side query check: one reading SELECT, whatever strings and comments hold."""

from __future__ import annotations

import pytest

from ct_pipeline.errors import InvalidInput
from ct_pipeline.sources.sql_guard import segments, single_select


@pytest.mark.parametrize(
    ("query", "sent"),
    [
        ("SELECT a FROM T", "SELECT a FROM T"),
        ("  select a from t ;  ", "select a from t"),
        ("SELECT 'x';", "SELECT 'x'"),
        ("SELECT 1 ; ; -- done\n/* really */", "SELECT 1"),
        ("-- leading comment\nSELECT 1", "-- leading comment\nSELECT 1"),
        ("WITH a AS (SELECT 1 AS x) SELECT x FROM a", "WITH a AS (SELECT 1 AS x) SELECT x FROM a"),
        # a ; or a writing word inside a string, a quoted identifier or a comment is only text
        ("SELECT 'a;b', 'it''s; DELETE' FROM T", "SELECT 'a;b', 'it''s; DELETE' FROM T"),
        ('SELECT "Update", "x;""y" FROM T', 'SELECT "Update", "x;""y" FROM T'),
        ("SELECT a /* ; DROP TABLE T */ FROM T", "SELECT a /* ; DROP TABLE T */ FROM T"),
        ("SELECT a FROM T -- ; DELETE FROM T", "SELECT a FROM T"),
        # IRIS operators and names that merely contain a forbidden word
        ("SELECT last_update FROM T WHERE Name %STARTSWITH 'A'", None),
        ("SELECT a FROM Sales.Orders WHERE settled = 1 AND created > ?", None),
        (
            "SELECT a FROM T WHERE x IN (SELECT 1) UNION SELECT 1 FROM U; ",
            "SELECT a FROM T WHERE x IN (SELECT 1) UNION SELECT 1 FROM U",
        ),
    ],
)
def test_one_reading_select_is_accepted(query: str, sent: str | None) -> None:
    assert single_select(query) == (sent if sent is not None else query)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT 1; DELETE FROM T", "more than one statement"),
        ("SELECT 1; COMMIT; DELETE FROM T", "more than one statement"),
        ("SELECT 1 -- x\n; DROP TABLE T", "more than one statement"),
        ("SELECT 'a'; SELECT 'b'", "more than one statement"),
        ("DELETE FROM T", "must be a SELECT"),
        ("INSERT INTO T SELECT * FROM U", "must be a SELECT"),
        ("/* SELECT */ UPDATE T SET a = 1", "must be a SELECT"),
        ("CALL Sales.Purge()", "must be a SELECT"),
        ("", "must be a SELECT"),
        (" ; ", "must be a SELECT"),
        ("WITH gone AS (DELETE FROM T) SELECT 1", "refused, DELETE outside a string"),
        ("SELECT * INTO Copy FROM T", "refused, INTO outside a string"),
        ("SELECT 'unclosed FROM T", "a string opened at character 8 is not closed"),
        ('SELECT "unclosed FROM T', "a quoted identifier opened at character 8 is not closed"),
        ("SELECT 1 /* ; DELETE FROM T", "a comment opened at character 10 is not closed"),
    ],
)
def test_anything_else_is_invalid_input(query: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        single_select(query)
    assert caught.value.message.startswith("data.query: ")


def test_segments_keep_every_character_in_order() -> None:
    query = "SELECT 'a''b' AS \"q\", 1 -- c\n/* d */;"

    sut = segments(query)

    assert "".join(text for _, text in sut) == query
    assert [kind for kind, _ in sut] == [
        "code",
        "quoted",
        "code",
        "quoted",
        "code",
        "comment",
        "code",
        "comment",
        "code",
    ]
