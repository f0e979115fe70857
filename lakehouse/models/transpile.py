"""DuckDB model SQL -> Athena SQL, with layer names mapped to Glue databases.

Models name tables by layer (`bronze.sessions`, `silver.fct_sessions`, `gold.monthly_revenue`);
on Athena those live in the Glue databases of `settings.athena` (`tutor_raw`, `tutor_silver`,
`tutor_gold`). `to_athena` checks the model is in the portable subset (see
`lakehouse.models.portability`), binds its parameters, renames the tables and lets sqlglot write
Trino.
`to_duckdb` goes back, which the tests use to prove a round trip keeps the model's meaning.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lakehouse.models import Model, ModelError, fold_constant_conditions, get_model, literal
from lakehouse.models.portability import PortabilityError, Violation, find_violations

if TYPE_CHECKING:
    from sqlglot import exp

    from lakehouse.config import AthenaSettings

__all__ = [
    "PortabilityError",
    "Violation",
    "check_portable",
    "database_for",
    "layer_databases",
    "to_athena",
    "to_duckdb",
]


def layer_databases(athena: AthenaSettings) -> dict[str, str]:
    """Model layer -> Glue database. `bronze` and `raw` both name the landed CSV tables."""
    return {
        "bronze": athena.raw_database,
        "raw": athena.raw_database,
        "silver": athena.silver_database,
        "gold": athena.gold_database,
    }


def database_for(layer: str, athena: AthenaSettings) -> str:
    databases = layer_databases(athena)
    if layer not in databases:
        raise ModelError(f"no Glue database for layer {layer!r}; layers: {', '.join(databases)}")
    return databases[layer]


def _parse(sql: str, dialect: str) -> exp.Expr:
    import sqlglot
    from sqlglot.errors import ParseError

    try:
        return sqlglot.parse_one(sql, read=dialect)
    except ParseError as exc:
        raise ModelError(f"SQL does not parse as {dialect}: {exc}") from None


@lru_cache(maxsize=256)
def _parsed_model(sql: str) -> exp.Expr:
    return _parse(sql, "duckdb")


def _bound(model: Model, params: dict[str, Any] | None) -> exp.Expr:
    """The model's tree with its parameters bound (as `models.render` binds them), and the
    branches a bound boolean decides folded away (a full build reads no scope table)."""
    from sqlglot import exp

    try:
        tree = _parsed_model(model.sql).copy()
    except ModelError as exc:
        raise ModelError(f"{model.path}: {exc}") from None
    if params is None:
        return tree
    bound = exp.replace_placeholders(tree, **{k: literal(v) for k, v in params.items()})
    missing = sorted({p.name for p in bound.find_all(exp.Placeholder)})
    if missing:
        raise ModelError(f"{model.path}: no value for parameter(s) {', '.join(missing)}")
    return fold_constant_conditions(bound)


_VIOLATIONS: dict[tuple[str, tuple[tuple[str, Any], ...]], list[Violation]] = {}


def _check(
    model: Model, tree: exp.Expr, params: dict[str, Any] | None, schema: dict | None
) -> None:
    """Raise on violations. Without a schema the result is cached per model text and
    parameters: the stages render the same model for the same batch more than once."""
    if schema is not None:
        violations = find_violations(tree, schema)
    else:
        key = (model.sql, tuple(sorted((params or {}).items(), key=lambda kv: kv[0])))
        if key not in _VIOLATIONS:
            _VIOLATIONS[key] = find_violations(tree)
        violations = _VIOLATIONS[key]
    if violations:
        raise PortabilityError(model.path, violations)


def _rename_databases(tree: exp.Expr, mapping: dict[str, str]) -> exp.Expr:
    from sqlglot import exp

    for table in tree.find_all(exp.Table):
        if table.db in mapping:
            table.set("db", exp.to_identifier(mapping[table.db]))
    return tree


def check_portable(
    model: Model | str,
    params: dict[str, Any] | None = None,
    schema: dict[str, Any] | None = None,
) -> None:
    """Raise `PortabilityError` naming the model file and every construct Athena lacks.

    With `params`, the check runs on the bound SQL (a date parameter minus an integer is then
    caught); without, placeholders stay untyped. `schema` (sqlglot's nested
    `{layer: {table: {column: type}}}`) types the input columns for the date checks.
    """
    model = get_model(model) if isinstance(model, str) else model
    _check(model, _bound(model, params), params, schema)


def to_athena(
    model: Model | str,
    params: dict[str, Any] | None,
    athena: AthenaSettings,
    *,
    schema: dict[str, Any] | None = None,
    pretty: bool = True,
) -> str:
    """The model's SELECT in Athena SQL, parameters bound, tables in their Glue databases."""
    from sqlglot.errors import ErrorLevel, UnsupportedError

    model = get_model(model) if isinstance(model, str) else model
    tree = _bound(model, params)
    _check(model, tree, params, schema)
    _rename_databases(tree, layer_databases(athena))
    try:
        return tree.sql(dialect="athena", pretty=pretty, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        raise PortabilityError(
            model.path, [Violation("unsupported by Athena", str(exc), "rewrite portably")]
        ) from None


def to_duckdb(athena_sql: str, athena: AthenaSettings, *, bronze: str = "bronze") -> str:
    """Athena SQL back to DuckDB, Glue databases back to layer names (for round-trip tests)."""
    back = {
        athena.raw_database: bronze,
        athena.silver_database: "silver",
        athena.gold_database: "gold",
    }
    tree = _rename_databases(_parse(athena_sql, "athena"), back)
    return tree.sql(dialect="duckdb", pretty=True)
