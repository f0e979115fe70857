"""SQL models: the files under `sql/` (installed as the package `lakehouse_sql`), their
declared headers, and rendering them for an engine.

A model file is one SELECT in DuckDB dialect, opening with `-- @key value` header lines:

    -- fct_sessions: one row per session id.
    -- @kind incremental_by_unique_key
    -- @unique_key session_id
    -- @partitioned_by session_month

What a model reads is not declared: it is inferred from the SQL, and a model that reads a table
as it was before the stage says so with `-- @reads_previous <table>` (see
`lakehouse.models.dependencies`, which orders a layer's models from these reads).

A gold model may also declare `-- @scope month_start, tutor_id`: the columns that bound what a
batch can change in it. An incremental build (see `lakehouse.gold.materialize`) fills one
table per column, `gold_scope_<column>`, with the values the batch touched; the model's SQL
reads them behind `:full_build OR ...`, and the builder replaces only the rows inside the scope.

Parameters are named placeholders (`:batch_date`); `render` replaces them with typed literals
through sqlglot and writes the SQL in the engine's dialect, so one file serves DuckDB and Athena.

SQL that two models share lives once, as a macro in `sql/macros/` (`lakehouse.models.macros`);
reading a model inlines the macros it calls, so `Model.sql` is what every engine runs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.errors import LakehouseError
from lakehouse.models.macros import MACRO_DIR, MacroError, expand, load_macros

if TYPE_CHECKING:
    from sqlglot import exp


def _sql_dir() -> Path:
    """The installed `lakehouse_sql` package (the repository's sql/ folder), or
    LAKEHOUSE_SQL_DIR to try edited models without reinstalling."""
    override = os.environ.get("LAKEHOUSE_SQL_DIR")
    return Path(override) if override else Path(str(files("lakehouse_sql")))


SQL_DIR = _sql_dir()
KINDS = ("full", "incremental_by_unique_key", "incremental_by_partition", "scd2", "view")
_HEADER = re.compile(r"^--\s*@(\w+)\s*(.*?)\s*$")


class ModelError(LakehouseError):
    """A model file is malformed (unknown header key or kind, SQL that does not parse)."""


@dataclass(frozen=True)
class Model:
    name: str
    """`layer.table`, from the file's folder and name."""
    path: Path
    sql: str
    """The SELECT, header included (comments are harmless to every engine), with the macros
    it calls inlined."""
    kind: str = "full"
    unique_key: tuple[str, ...] = ()
    partitioned_by: str | None = None
    reads_previous: tuple[str, ...] = ()
    """Tables of its layer the model reads as they were before the stage (it runs first)."""
    scope: tuple[str, ...] = ()
    """Columns whose touched values bound an incremental build (`gold_scope_<column>`)."""
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    macros: tuple[str, ...] = ()
    """The macros of `sql/macros/` inlined into `sql`."""

    @property
    def layer(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def table(self) -> str:
        return self.name.split(".", 1)[1]


def parse_model(path: Path, root: Path = SQL_DIR) -> Model:
    rel = path.relative_to(root).with_suffix("")
    name = ".".join(rel.parts)
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    description: list[str] = []
    for line in text.splitlines():
        if not line.startswith("--"):
            if line.strip():
                break
            continue
        match = _HEADER.match(line)
        if match:
            header[match.group(1)] = match.group(2)
        elif not header:
            description.append(line.lstrip("- ").rstrip())
    if "depends_on" in header:
        raise ModelError(
            f"{path}: @depends_on is inferred from the SQL; remove the header (a read of a "
            "table as it was before the stage is declared with @reads_previous)"
        )
    kind = header.pop("kind", "full")
    if kind not in KINDS:
        raise ModelError(f"{path}: unknown @kind {kind!r}; use one of {', '.join(KINDS)}")

    def split(value: str | None) -> tuple[str, ...]:
        return tuple(v.strip() for v in (value or "").split(",") if v.strip())

    try:
        sql, macros = expand(text, load_macros(root), path)
    except MacroError as exc:
        raise ModelError(str(exc)) from None
    return Model(
        name=name,
        path=path,
        sql=sql,
        kind=kind,
        unique_key=split(header.pop("unique_key", None)),
        partitioned_by=header.pop("partitioned_by", None) or None,
        reads_previous=split(header.pop("reads_previous", None)),
        scope=split(header.pop("scope", None)),
        description=" ".join(description).strip(),
        extra=header,
        macros=macros,
    )


def load_models(root: Path = SQL_DIR) -> dict[str, Model]:
    """Every model under `root`, by name (the macros under `root/macros` are not models)."""
    return _load_models(root)


@cache
def _load_models(root: Path) -> dict[str, Model]:
    # cached on the folder alone: `load_models()` and `load_models(SQL_DIR)` are one entry
    # (a cache on `load_models` itself keys them apart and parses every model twice)
    paths = sorted(p for p in root.rglob("*.sql") if p.relative_to(root).parts[0] != MACRO_DIR)
    return {m.name: m for m in (parse_model(p, root) for p in paths)}


def get_model(name: str, root: Path = SQL_DIR) -> Model:
    models = load_models(root)
    if name not in models:
        raise ModelError(f"no model named {name!r} under {root}")
    return models[name]


def literal(value: Any) -> exp.Expr:
    """A typed SQL literal for a parameter value."""
    from sqlglot import exp

    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.strftime("%Y-%m-%d %H:%M:%S")), "timestamp")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "date")
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


@cache
def _parse(sql: str) -> exp.Expr:
    import sqlglot

    return sqlglot.parse_one(sql, read="duckdb")


def render(
    model: Model | str, params: dict[str, Any] | None = None, dialect: str = "duckdb"
) -> str:
    """The model's SQL with parameters bound, in `dialect`. Unbound placeholders are an error."""
    from sqlglot import exp
    from sqlglot.errors import ParseError

    model = get_model(model) if isinstance(model, str) else model
    try:
        tree = _parse(model.sql)
    except ParseError as exc:
        raise ModelError(f"{model.path}: SQL does not parse: {exc}") from None
    bound = exp.replace_placeholders(tree, **{k: literal(v) for k, v in (params or {}).items()})
    missing = sorted({p.name for p in bound.find_all(exp.Placeholder)})
    if missing:
        raise ModelError(f"{model.path}: no value for parameter(s) {', '.join(missing)}")
    return fold_constant_conditions(bound).sql(dialect=dialect, pretty=True)


def scope_table(column: str) -> str:
    """The session table an incremental build fills with the touched values of `column`."""
    return f"gold_scope_{column}"


def fold_constant_conditions(tree: exp.Expr) -> exp.Expr:
    """Drop the branches a bound boolean parameter decides: `TRUE OR x` -> TRUE,
    `TRUE AND x` -> x, `WHERE TRUE` -> no WHERE. A full build (`:full_build` = TRUE) so
    renders without any reference to the scope tables only an incremental DuckDB build has."""
    from sqlglot import exp

    def is_bool(node: exp.Expr, value: bool) -> bool:
        while isinstance(node, exp.Paren):
            node = node.this
        return isinstance(node, exp.Boolean) and node.this is value

    def fold(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Or):
            if is_bool(node.left, True) or is_bool(node.right, True):
                return exp.true()
            if is_bool(node.left, False):
                return node.right
            if is_bool(node.right, False):
                return node.left
        if isinstance(node, exp.And):
            if is_bool(node.left, True):
                return node.right
            if is_bool(node.right, True):
                return node.left
        if isinstance(node, exp.Paren) and is_bool(node, True):
            return exp.true()
        if isinstance(node, exp.Where) and is_bool(node.this, True):
            return None  # type: ignore[return-value]  # transform drops a node mapped to None
        return node

    # transform() visits parents before children: repeat until nothing folds any more
    before = None
    while before != tree:
        before = tree
        tree = tree.transform(fold)
    return tree
