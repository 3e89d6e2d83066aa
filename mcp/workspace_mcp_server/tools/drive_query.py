"""Drive's files.list query language (``q``): a tokenizer and recursive-descent parser of its grammar.

Used to tell a Drive query someone wrote on purpose from plain words; a string that does not parse
is not Drive syntax. Grammar (developers.google.com/drive/api/guides/search-files, ref-search-terms):

    query   := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | "(" query ")" | term
    term    := field op value | string "in" collection | map "has" "{" "key" "=" string "and" "value" "=" string "}"
    string  := "'" (any character but ' and \\, or \\' or \\\\)* "'"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STRING, BOOL, DATE = "string", "bool", "date"
# field -> (operators, value kind)
FIELDS: dict[str, tuple[frozenset[str], str]] = {
    "name": (frozenset({"contains", "=", "!="}), STRING),
    "fullText": (frozenset({"contains"}), STRING),
    "mimeType": (frozenset({"contains", "=", "!="}), STRING),
    "modifiedTime": (frozenset({"<=", "<", "=", "!=", ">", ">="}), DATE),
    "viewedByMeTime": (frozenset({"<=", "<", "=", "!=", ">", ">="}), DATE),
    "createdTime": (frozenset({"<=", "<", "=", "!=", ">", ">="}), DATE),
    "trashed": (frozenset({"=", "!="}), BOOL),
    "starred": (frozenset({"=", "!="}), BOOL),
    "sharedWithMe": (frozenset({"=", "!="}), BOOL),
    "visibility": (frozenset({"=", "!="}), STRING),
    "shortcutDetails.targetId": (frozenset({"=", "!="}), STRING),
}
COLLECTIONS = frozenset({"parents", "owners", "writers", "readers"})
MAPS = frozenset({"properties", "appProperties"})
_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^'\\]|\\['\\])*')|(?P<op><=|>=|!=|[=<>(){}])|(?P<word>[A-Za-z][\w.]*))")
_DATE = re.compile(r"\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?)?")


class QuerySyntaxError(ValueError):
    """The text is not a Drive query; the message says where and why."""


@dataclass(frozen=True)
class Term:
    field: str
    operator: str
    value: str | bool


def quote(value: str) -> str:
    """A Drive query string literal: backslash and apostrophe escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    while position < len(text):
        if not text[position:].strip():
            break
        found = _TOKEN.match(text, position)
        if not found:
            raise QuerySyntaxError(f"unexpected {text[position:].strip()[:20]!r} at character {position + 1}")
        kind = found.lastgroup or ""
        out.append((kind, found[kind]))
        position = found.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.index = 0
        self.terms: list[Term] = []

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        token = self.peek()
        if token is None or (value is not None and token[1] != value) or (kind is not None and token[0] != kind):
            wanted = value or kind
            raise QuerySyntaxError(f"expected {wanted} but found {token[1] if token else 'the end'}")
        self.index += 1
        return token[1]

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1] == word:
            self.index += 1
            return True
        return False

    def query(self) -> None:
        self.conjunction()
        while self.keyword("or"):
            self.conjunction()

    def conjunction(self) -> None:
        self.negation()
        while self.keyword("and"):
            self.negation()

    def negation(self) -> None:
        if self.keyword("not"):
            self.negation()
        elif self.peek() == ("op", "("):
            self.take("(")
            self.query()
            self.take(")")
        else:
            self.term()

    def term(self) -> None:
        token = self.peek()
        if token and token[0] == "string":
            value = unquote(self.take(kind="string"))
            if not self.keyword("in"):
                raise QuerySyntaxError("a string must be followed by 'in parents' (or owners, writers, readers)")
            collection = self.take(kind="word")
            if collection not in COLLECTIONS:
                raise QuerySyntaxError(f"{collection!r} is not one of {', '.join(sorted(COLLECTIONS))}")
            self.terms.append(Term(collection, "in", value))
            return
        field = self.take(kind="word")
        if field in MAPS:
            self.take("has")
            self.take("{")
            self.take("key"), self.take("="), self.take(kind="string"), self.take("and")
            self.take("value"), self.take("="), self.take(kind="string")
            self.take("}")
            self.terms.append(Term(field, "has", ""))
            return
        if field not in FIELDS:
            raise QuerySyntaxError(f"{field!r} is not a Drive search field")
        operators, kind = FIELDS[field]
        operator = self.take()
        if operator not in operators:
            raise QuerySyntaxError(f"{field} takes {', '.join(sorted(operators))}, not {operator!r}")
        if kind == BOOL:
            word = self.take(kind="word")
            if word not in ("true", "false"):
                raise QuerySyntaxError(f"{field} compares with true or false, not {word!r}")
            self.terms.append(Term(field, operator, word == "true"))
            return
        value = unquote(self.take(kind="string"))
        if kind == DATE and not _DATE.fullmatch(value):
            raise QuerySyntaxError(f"{field} compares with an RFC 3339 date-time, not {value!r}")
        self.terms.append(Term(field, operator, value))


def unquote(literal: str) -> str:
    return re.sub(r"\\(['\\])", r"\1", literal[1:-1])


def parse(text: str) -> list[Term]:
    """The terms of a Drive query; QuerySyntaxError when ``text`` is not one."""
    parser = _Parser(text)
    if not parser.tokens:
        raise QuerySyntaxError("empty query")
    parser.query()
    rest = parser.peek()
    if rest is not None:
        raise QuerySyntaxError(f"unexpected {rest[1]!r} after a complete query")
    return parser.terms


def words_query(text: str) -> str:
    """Plain words as Drive full-text search: every word must occur (quotes and backslashes escaped)."""
    return " and ".join(f"fullText contains {quote(word)}" for word in text.split())
