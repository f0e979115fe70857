"""The portable subset: DuckDB SQL that means the same thing once sqlglot writes it for Athena.

sqlglot translates most DuckDB into Trino (Athena engine 3), but passes some constructs through
unchanged or rewrites them into something Athena rejects or reads differently: `CREATE OR
REPLACE TABLE`, `read_csv(...)`, `current_date - 30` (a date minus an integer is an error in
Trino), `* EXCLUDE (...)`, list and struct literals, `string_agg` without an order (Trino's
`listagg` needs `WITHIN GROUP`), `make_date` (emitted as Snowflake's `DATE_FROM_PARTS`). The
check walks the parsed model and rejects each such construct by name, so a model that passes
runs on both engines, and a model that fails says which file and which construct.

Beyond constructs, every function the Athena text calls must be on `TRINO_FUNCTIONS`, and every
cast must target a type Athena's Iceberg tables hold: a DuckDB-only function that sqlglot
leaves as is (`try_strptime`, `hash`, `date_part`) is caught there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lakehouse.models import ModelError

if TYPE_CHECKING:
    from pathlib import Path

    from sqlglot import exp


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TRINO_FUNCTIONS = _words(
    """
    ABS CBRT CEIL CEILING DEGREES E EXP FLOOR LN LOG LOG10 LOG2 MOD PI POW POWER RADIANS RAND
    RANDOM ROUND SIGN SQRT TRUNCATE WIDTH_BUCKET GREATEST LEAST
    COALESCE NULLIF IF TRY CAST TRY_CAST TYPEOF
    CHR CODEPOINT CONCAT CONCAT_WS LENGTH LOWER UPPER LPAD RPAD LTRIM RTRIM TRIM REPLACE REVERSE
    SPLIT SPLIT_PART STRPOS POSITION SUBSTR SUBSTRING STARTS_WITH TRANSLATE LEVENSHTEIN_DISTANCE
    REGEXP_LIKE REGEXP_EXTRACT REGEXP_EXTRACT_ALL REGEXP_REPLACE REGEXP_COUNT REGEXP_SPLIT
    MD5 SHA1 SHA256 TO_HEX FROM_HEX TO_UTF8 FROM_UTF8 CRC32 XXHASH64
    DATE DATE_ADD DATE_DIFF DATE_FORMAT DATE_PARSE DATE_TRUNC EXTRACT FORMAT_DATETIME
    PARSE_DATETIME FROM_ISO8601_DATE FROM_ISO8601_TIMESTAMP TO_ISO8601 FROM_UNIXTIME TO_UNIXTIME
    YEAR QUARTER MONTH WEEK WEEK_OF_YEAR DAY DAY_OF_MONTH DAY_OF_WEEK DOW DAY_OF_YEAR DOY
    YEAR_OF_WEEK YOW HOUR MINUTE SECOND MILLISECOND LAST_DAY_OF_MONTH
    COUNT COUNT_IF SUM AVG MIN MAX MIN_BY MAX_BY BOOL_AND BOOL_OR EVERY APPROX_DISTINCT
    STDDEV STDDEV_POP STDDEV_SAMP VARIANCE VAR_POP VAR_SAMP CORR COVAR_POP COVAR_SAMP
    APPROX_PERCENTILE LISTAGG ARRAY_AGG CHECKSUM GEOMETRIC_MEAN
    ROW_NUMBER RANK DENSE_RANK NTILE PERCENT_RANK CUME_DIST LAG LEAD FIRST_VALUE LAST_VALUE
    NTH_VALUE
    SEQUENCE CARDINALITY ELEMENT_AT
    """
)
"""Functions of Athena engine 3 (Trino) the models may call, as sqlglot writes them.

Left out on purpose: `ARBITRARY` (non-deterministic, and sqlglot's `any_value` rendering adds
an `IGNORE NULLS` Trino rejects), `CONTAINS` (arrays only in Trino; sqlglot emits it for
DuckDB's string `contains`), `FORMAT` (Java format strings, not DuckDB's), `NOW`."""

CAST_TYPES = _words(
    "BIGINT INTEGER INT SMALLINT TINYINT DOUBLE REAL DECIMAL VARCHAR CHAR BOOLEAN DATE TIMESTAMP"
)
"""Types a cast may target: the ones Athena's Iceberg tables can store and both engines share."""

_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_LAYERS = ("bronze", "raw", "silver", "gold")


@dataclass(frozen=True)
class Violation:
    construct: str
    """What is not portable, in words (`DuckDB list literal`)."""
    sql: str
    """The offending SQL as written in the model (shortened)."""
    hint: str
    """The portable way to say it."""

    def __str__(self) -> str:
        return f"{self.construct}: `{self.sql}` ({self.hint})"


class PortabilityError(ModelError):
    """A model uses SQL that does not transpile to Athena with the same meaning."""

    def __init__(self, path: Path | str, violations: list[Violation]) -> None:
        self.path = path
        self.violations = violations
        lines = "\n".join(f"  - {v}" for v in violations)
        super().__init__(f"{path}: not portable to Athena:\n{lines}")


def _snippet(node: exp.Expr) -> str:
    text = " ".join(node.sql(dialect="duckdb").split())
    return text if len(text) <= 80 else text[:77] + "..."


def find_violations(tree: exp.Expr, schema: dict[str, Any] | None = None) -> list[Violation]:
    """Every non-portable construct in a parsed DuckDB statement, in tree order."""
    from sqlglot import exp

    found: list[Violation] = []

    def add(node: exp.Expr, construct: str, hint: str) -> None:
        found.append(Violation(construct, _snippet(node), hint))

    if not isinstance(tree, exp.Query):
        kind = "CREATE OR REPLACE" if tree.args.get("replace") else type(tree).__name__.upper()
        add(
            tree, f"DuckDB {kind} statement", "a model is one SELECT; its @kind says how it is kept"
        )
        return found
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for node in tree.walk():
        found.extend(_node_violations(node, ctes))
    found.extend(_date_arithmetic(tree, schema))
    return found


def _node_violations(node: exp.Expr, ctes: set[str]) -> list[Violation]:
    from sqlglot import exp

    out: list[Violation] = []
    not_calls = _not_calls()

    def add(construct: str, hint: str, at: exp.Expr | None = None) -> None:
        out.append(Violation(construct, _snippet(at or node), hint))

    if isinstance(node, exp.Table):
        if not isinstance(node.this, exp.Identifier):
            add("DuckDB table function", "read tables through the catalog: bronze.x, silver.x")
        elif node.this.quoted and re.search(r"[./]", node.name):
            add("file path used as a table", "read tables through the catalog: bronze.x")
        elif not node.db and node.name not in ctes:
            add("unqualified table", "name the layer: bronze.x, silver.x or gold.x")
        elif node.db and node.db not in _LAYERS:
            add(f"unknown layer {node.db!r}", f"use one of {', '.join(_LAYERS)}")
    elif isinstance(node, exp.Star) and any(node.args.get(k) for k in ("except_", "replace")):
        add("DuckDB * EXCLUDE/REPLACE", "list the columns")
    elif isinstance(node, exp.Columns):
        add("DuckDB COLUMNS(...)", "list the columns")
    elif isinstance(node, exp.Array | exp.Struct | exp.Map | exp.VarMap):
        add("DuckDB list/struct literal", "use scalar columns")
    elif isinstance(node, exp.Bracket | exp.Slice):
        add("DuckDB list/string subscript", "use substr(...) or scalar columns")
    elif isinstance(node, exp.Lambda):
        add("DuckDB lambda", "use scalar SQL")
    elif isinstance(node, exp.Group) and node.args.get("all"):
        add("GROUP BY ALL", "list the grouping columns")
    elif isinstance(node, exp.Ordered) and isinstance(node.this, exp.Var) and node.name == "ALL":
        add("ORDER BY ALL", "list the ordering columns")
    elif isinstance(node, exp.Distinct) and node.args.get("on"):
        add("DISTINCT ON", "use row_number() over (...) in a CTE and filter on it")
    elif isinstance(node, exp.Join) and (node.args.get("method") or "").upper() in (
        "ASOF",
        "POSITIONAL",
    ):
        add(f"DuckDB {node.args['method'].upper()} JOIN", "join on explicit conditions")
    elif isinstance(node, exp.TableSample | exp.Pivot):
        add("DuckDB SAMPLE/PIVOT", "aggregate with CASE expressions")
    elif isinstance(node, exp.Select) and node.args.get("qualify") and _has_star(node):
        add(
            "QUALIFY with SELECT *",
            "sqlglot rewrites QUALIFY into a subquery whose * leaks the window column; "
            "list the columns",
            node.args["qualify"],
        )
    elif isinstance(node, exp.CurrentDate | exp.CurrentTimestamp | exp.CurrentTime):
        add("wall-clock time", "derive times from the batch date parameter")
    elif isinstance(node, exp.Interval) and not isinstance(node.this, exp.Literal):
        add("INTERVAL with a computed amount", "multiply a literal interval: n * INTERVAL '1' DAY")
    elif isinstance(node, exp.GroupConcat) and not node.find(exp.Order):
        add("string_agg without ORDER BY", "add ORDER BY inside string_agg(...)")
    elif isinstance(node, exp.Cast):
        out.extend(_cast_violations(node))
    elif isinstance(node, exp.Unnest) and not isinstance(node.parent, exp.From | exp.Join):
        add("UNNEST outside FROM", "unnest in the FROM clause: FROM t, UNNEST(...) AS u (x)")
    if isinstance(node, exp.Func) and not isinstance(node, not_calls):
        if isinstance(node.parent, exp.Table):
            return out  # already reported as a table function
        out.extend(_function_violations(node))
    return out


def _not_calls() -> tuple[type, ...]:
    from sqlglot import exp

    # checked on their own above; UNNEST in FROM is Trino's too
    return (exp.Cast, exp.Array, exp.Struct, exp.Map, exp.VarMap, exp.Unnest)


def _has_star(select: exp.Select) -> bool:
    from sqlglot import exp

    return any(
        isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
        for e in select.expressions
    )


def _cast_violations(node: exp.Cast) -> list[Violation]:
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel

    out = []
    target = (
        node.to.sql(dialect="athena", unsupported_level=ErrorLevel.IGNORE)
        .split("(")[0]
        .strip()
        .upper()
    )
    if target not in CAST_TYPES:
        out.append(
            Violation(f"cast to {target}", _snippet(node), f"cast to one of {sorted(CAST_TYPES)}")
        )
    if isinstance(node.this, exp.Interval):
        out.append(
            Violation(
                "interval cast", _snippet(node), "multiply a literal interval: n * INTERVAL '1' DAY"
            )
        )
    return out


def _function_violations(node: exp.Func) -> list[Violation]:
    from sqlglot import exp

    if isinstance(node, exp.DateAdd | exp.DateSub) and node.find(exp.Interval):
        return [
            Violation(
                "date_add with an INTERVAL",
                _snippet(node),
                "use CAST(d + INTERVAL 'n' DAY AS DATE)",
            )
        ]
    athena = _athena_name(node)
    if athena is None or athena in TRINO_FUNCTIONS:
        return []
    name = (node.name if isinstance(node, exp.Anonymous) else _snippet(node).split("(")[0]).upper()
    shown = name if name.upper() == athena else f"{name} (written {athena} for Athena)"
    return [Violation(f"function {shown}", _snippet(node), "not an Athena/Trino function")]


_NAMES: dict[type, str | None] = {}


def _athena_name(node: exp.Func) -> str | None:
    """The function name sqlglot writes for `node` in Athena (None: not a call, e.g. CASE).

    Known function classes are written under one name whatever their arguments, so the name
    is generated once per class; an unknown (anonymous) function keeps its own name.
    """
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel

    if isinstance(node, exp.Anonymous):
        return node.name.upper()
    cls = type(node)
    if cls not in _NAMES:
        match = _CALL.match(node.sql(dialect="athena", unsupported_level=ErrorLevel.IGNORE))
        _NAMES[cls] = match.group(1).upper() if match else None
    return _NAMES[cls]


def _date_arithmetic(tree: exp.Expr, schema: dict[str, Any] | None) -> list[Violation]:
    """Dates plus or minus integers, and date minus date (an integer in DuckDB, an interval in
    Trino). Types come from sqlglot's annotator, with the input tables' schema when known."""
    from sqlglot import exp
    from sqlglot.errors import OptimizeError
    from sqlglot.optimizer.annotate_types import annotate_types
    from sqlglot.optimizer.qualify import qualify

    typed = tree.copy()
    try:
        typed = qualify(typed, schema=schema, dialect="duckdb", validate_qualify_columns=False)
    except (OptimizeError, KeyError, ValueError):
        typed = tree.copy()
    typed = annotate_types(typed, schema=schema, dialect="duckdb")

    def temporal(e: exp.Expr) -> bool:
        kind = e.type
        return kind is not None and kind.is_type(*exp.DataType.TEMPORAL_TYPES)

    def integer(e: exp.Expr) -> bool:
        kind = e.type
        return kind is not None and kind.is_type(*exp.DataType.INTEGER_TYPES)

    out = []
    for node in typed.find_all(exp.Add, exp.Sub):
        left, right = node.left, node.right
        if (temporal(left) and integer(right)) or (
            isinstance(node, exp.Add) and integer(left) and temporal(right)
        ):
            out.append(
                Violation(
                    "date arithmetic with an integer",
                    _snippet(node),
                    "use CAST(d + INTERVAL 'n' DAY AS DATE)",
                )
            )
        elif isinstance(node, exp.Sub) and temporal(left) and temporal(right):
            out.append(Violation("date minus date", _snippet(node), "use date_diff('day', a, b)"))
    return out
