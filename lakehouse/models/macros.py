"""SQL macros: the pieces of SQL that two or more models share, one per file in `sql/macros/`.

A macro file holds one DuckDB macro definition and its comment:

    -- whole_number: Rule "whole numbers": ...
    CREATE MACRO whole_number(field) AS
        CASE WHEN REGEXP_MATCHES(field, '^[0-9]+(\\.0*)?$') THEN ... END

`CREATE MACRO name(params) AS <expression>` is called where an expression stands;
`CREATE MACRO name(params) AS TABLE <query>` where a table stands (`FROM name(args) AS x`).
The loader inlines every call when it reads a model, so `Model.sql` is plain SQL that both
engines run and that sqlglot writes as Athena (which has no macros); no macro is ever created
in a database. A parameter stands for its argument wherever the body names it, as a value, a
column name or a table name (`FROM staged`, `PARTITION BY entity_id`), which lets one table
macro serve two entities; an argument written as a list of names, `(first_name, grade)`,
stands as those names (a column list). Placeholders (`:ingest_date`) and macros called in a
body or an argument work as in a model.

Inlining splices text at sqlglot's token boundaries, so the rest of a model stays as written
(the DuckDB engine runs the text as is, see `engines.duckdb.duckdb_sql`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from lakehouse.errors import LakehouseError

if TYPE_CHECKING:
    from sqlglot.tokens import Token

MACRO_DIR = "macros"
"""The folder under the SQL root that holds the macros (its files are not models)."""


class MacroError(LakehouseError):
    """A macro file is malformed, or a model calls a macro wrongly."""


@dataclass(frozen=True)
class Macro:
    name: str
    path: Path
    params: tuple[str, ...]
    body: str
    """The text after `AS` (or `AS TABLE`), as written."""
    table: bool
    """A table macro (`AS TABLE`): its call stands where a table does."""


def _tokens(sql: str, where: Path | str) -> list[Token]:
    import sqlglot
    from sqlglot.errors import TokenError

    try:
        return list(sqlglot.Dialect.get_or_raise("duckdb").tokenize(sql))
    except TokenError as exc:
        raise MacroError(f"{where}: SQL does not tokenize: {exc}") from None


def _closing(tokens: list[Token], i: int, where: Path | str = "") -> int:
    """The index of the token that closes the parenthesis at `i`."""
    from sqlglot.tokens import TokenType

    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].token_type == TokenType.L_PAREN:
            depth += 1
        elif tokens[j].token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return j
    raise MacroError(f"{where}: unbalanced parentheses")


def _atomic(tokens: list[Token]) -> bool:
    """True for text that needs no parentheses to stay one operand: a name (`t.a`), a literal
    (`-1`), a call, a parenthesized expression or a CASE ... END."""
    from sqlglot.tokens import TokenType

    kinds = [t.token_type for t in tokens]
    if all(k in (TokenType.VAR, TokenType.DOT) for k in kinds) or len(tokens) == 1:
        return True
    if kinds in ([TokenType.DASH, TokenType.NUMBER], [TokenType.PLUS, TokenType.NUMBER]):
        return True
    if kinds[0] == TokenType.L_PAREN:
        return _closing(tokens, 0) == len(tokens) - 1
    if len(tokens) > 2 and kinds[1] == TokenType.L_PAREN:
        return _closing(tokens, 1) == len(tokens) - 1
    if kinds[0] == TokenType.CASE and kinds[-1] == TokenType.END:
        depth = 0  # the CASE's own END must be the last token
        for k in kinds[:-1]:
            depth += (k == TokenType.CASE) - (k == TokenType.END)
            if depth == 0:
                return False
        return True
    return False


def _text(sql: str, tokens: list[Token]) -> str:
    return sql[tokens[0].start : tokens[-1].end + 1]


def _operand(sql: str, tokens: list[Token]) -> str:
    text = _text(sql, tokens)
    return text if _atomic(tokens) else f"({text})"


def _argument(text: str, tokens: list[Token]) -> str:
    """An argument as it stands in the body: a list of names `(a, b)` as `a, b` (a column
    list), anything else as one operand."""
    from sqlglot.tokens import TokenType

    inner = tokens[1:-1]
    listed = (
        len(tokens) > 2
        and tokens[0].token_type == TokenType.L_PAREN
        and tokens[-1].token_type == TokenType.R_PAREN
        and len(inner) % 2 == 1
        and all(t.token_type == TokenType.VAR for t in inner[::2])
        and all(t.token_type == TokenType.COMMA for t in inner[1::2])
    )
    return _text(text, inner) if listed else _operand(text, tokens)


def _indented(text: str, sql: str, at: int) -> str:
    """`text` (a body, spliced in at offset `at` of `sql`) with its lines after the first
    re-indented under the line of the call, so an inlined model still reads top to bottom."""
    lines = text.split("\n")
    if len(lines) == 1 or _multiline_literal(text):
        return text
    line = sql[sql.rfind("\n", 0, at) + 1 : at]
    indent = line[: len(line) - len(line.lstrip())]
    rest = [ln for ln in lines[1:] if ln.strip()]
    base = min((len(ln) - len(ln.lstrip()) for ln in rest), default=0)
    return "\n".join([lines[0]] + [indent + ln[base:] if ln.strip() else "" for ln in lines[1:]])


def _multiline_literal(text: str) -> bool:
    """A literal spanning lines, whose blanks re-indenting would change."""
    return any("\n" in t.text for t in _tokens(text, "a macro body"))


def _deeper(text: str) -> str:
    if _multiline_literal(text):
        return text
    return "\n".join(f"    {line}" if line.strip() else "" for line in text.split("\n"))


def _substitute(macro: Macro, args: list[str]) -> str:
    """The macro's body with each parameter replaced by its argument."""
    from sqlglot.tokens import TokenType

    values = dict(zip(macro.params, args, strict=True))
    tokens = _tokens(macro.body, macro.path)
    pieces, last = [], 0
    for i, token in enumerate(tokens):
        name = token.text.lower()
        if name not in values or token.token_type != TokenType.VAR:
            continue
        after_colon = i > 0 and tokens[i - 1].token_type == TokenType.COLON  # a :placeholder
        called = i + 1 < len(tokens) and tokens[i + 1].token_type == TokenType.L_PAREN
        if after_colon or called:
            continue
        pieces += [macro.body[last : token.start], values[name]]
        last = token.end + 1
    return "".join(pieces) + macro.body[last:]


def expand(
    sql: str, macros: dict[str, Macro], where: Path | str, _stack: tuple[str, ...] = ()
) -> tuple[str, tuple[str, ...]]:
    """`sql` with every macro call inlined, and the names of the macros it used (those its
    macros call included), in order of first use."""
    from sqlglot.tokens import TokenType

    tokens = _tokens(sql, where)
    pieces: list[str] = []
    used: list[str] = []
    last, i = 0, 0
    while i < len(tokens):
        token = tokens[i]
        macro = macros.get(token.text.lower())
        if (
            macro is None
            or token.token_type == TokenType.STRING
            or i + 1 == len(tokens)
            or tokens[i + 1].token_type != TokenType.L_PAREN
            or (i > 0 and tokens[i - 1].token_type in (TokenType.DOT, TokenType.COLON))
        ):
            i += 1
            continue
        if macro.name in _stack:
            raise MacroError(f"{macro.path}: calls itself ({' -> '.join((*_stack, macro.name))})")
        close = _closing(tokens, i + 1, where)
        args, start, depth = [], i + 2, 0
        for j in range(i + 2, close + 1):
            kind = tokens[j].token_type
            depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
            if j == close or (kind == TokenType.COMMA and depth == 0):
                if j == start:
                    raise MacroError(f"{where}: {macro.name}(...) has an empty argument")
                arg, inner = expand(_text(sql, tokens[start:j]), macros, where, _stack)
                args.append(_argument(arg, _tokens(arg, where)))
                used += [n for n in inner if n not in used]
                start = j + 1
        if len(args) != len(macro.params):
            raise MacroError(
                f"{where}: {macro.name} takes {len(macro.params)} argument(s) "
                f"({', '.join(macro.params)}), got {len(args)} (see {macro.path})"
            )
        body, inner = expand(_substitute(macro, args), macros, macro.path, (*_stack, macro.name))
        if macro.table:  # a subquery, its body one level in from the call's line
            inlined = _indented(f"(\n{_deeper(body)}\n)", sql, token.start)
        else:
            inlined = _indented(_operand(body, _tokens(body, macro.path)), sql, token.start)
        pieces += [sql[last : token.start], inlined]
        used += [n for n in (macro.name, *inner) if n not in used]
        last = tokens[close].end + 1
        i = close + 1
    return "".join(pieces) + sql[last:], tuple(used)


def parse_macro(path: Path) -> Macro:
    """The macro defined in `path`."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError
    from sqlglot.tokens import TokenType

    text = path.read_text(encoding="utf-8")
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except ParseError as exc:
        raise MacroError(f"{path}: does not parse: {exc}") from None
    if not (isinstance(tree, exp.Create) and str(tree.args.get("kind")).upper() == "MACRO"):
        raise MacroError(f"{path}: a macro file holds one `CREATE MACRO name(...) AS ...`")
    name = tree.this.this.name.lower()
    if name != path.stem.lower():
        raise MacroError(f"{path}: defines {name!r}; name the file after its macro")
    params = tuple(p.name.lower() for p in tree.this.expressions)
    keywords = [p for p in params if _tokens(p, path)[0].token_type != TokenType.VAR]
    if keywords:  # a keyword would be replaced where the body means the keyword (AS TEXT)
        raise MacroError(f"{path}: parameter(s) {', '.join(keywords)} are SQL keywords; rename")
    tokens = _tokens(text, path)
    opening = next(i for i, t in enumerate(tokens) if t.token_type == TokenType.L_PAREN)
    close = _closing(tokens, opening, path)
    start = close + 2  # the token after AS
    table = tokens[start].token_type == TokenType.TABLE
    end = len(tokens) - (tokens[-1].token_type == TokenType.SEMICOLON)
    body_tokens = tokens[start + table : end]
    return Macro(name=name, path=path, params=params, body=_text(text, body_tokens), table=table)


@cache
def load_macros(root: Path) -> dict[str, Macro]:
    """Every macro under `root/macros`, by name."""
    return {m.name: m for m in (parse_macro(p) for p in sorted((root / MACRO_DIR).glob("*.sql")))}
