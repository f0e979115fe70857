"""What each model reads, inferred from its SQL, and the order a layer's models run in.

A model depends on every `silver.<t>` / `gold.<t>` table its SQL reads: there is no header to
keep in step with the SQL. Inside one stage a model sees a table of its own layer as this stage
left it so far, so by default it runs after the model that writes the table. Two kinds of read
see the table as it was before the stage instead, and run before its model:

- a model reading its own table (dim_students reads its earlier versions);
- a table named in the model's `-- @reads_previous` header (stg_sessions reads fct_sessions as
  it was before the batch, to find the sessions this batch supersedes).

A read of the previous state that is not declared closes a cycle (the table's model reads the
reader), which `run_order` reports instead of picking an order.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from lakehouse.models import Model, ModelError, load_models

if TYPE_CHECKING:
    from sqlglot.tokens import Token

MODEL_LAYERS = ("silver", "gold")
"""Schemas whose tables are written by models (bronze is the loaded batch, not a model)."""


@cache
def sql_tokens(sql: str) -> tuple[Token, ...]:
    """sqlglot's DuckDB tokens of a model's SQL, once per text: the dependency reader and the
    DuckDB engine's rewrite (`lakehouse.engines.duckdb.duckdb_sql`) both walk them."""
    import sqlglot
    from sqlglot.errors import TokenError

    try:
        return tuple(sqlglot.Dialect.get_or_raise("duckdb").tokenize(sql))
    except TokenError as exc:
        raise ModelError(f"SQL does not tokenize: {exc}") from None


def table_at(tokens: tuple[Token, ...], i: int) -> str | None:
    """`layer.table` if the tokens from `i` name a silver/gold table: `<layer> . <name>`, not
    itself the tail of a longer dotted name (`lake.silver.t`). Names in strings or comments are
    not tokens of their own, so they never match."""
    from sqlglot.tokens import TokenType

    if (
        i + 2 < len(tokens)
        and tokens[i].token_type == TokenType.VAR
        and tokens[i].text.lower() in MODEL_LAYERS
        and tokens[i + 1].token_type == TokenType.DOT
        and tokens[i + 2].token_type == TokenType.VAR
        and (i == 0 or tokens[i - 1].token_type != TokenType.DOT)
    ):
        return f"{tokens[i].text.lower()}.{tokens[i + 2].text.lower()}"
    return None


@cache
def tables_read(sql: str) -> frozenset[str]:
    """`layer.table` of every silver/gold table the SQL names (`table_at`): exactly the names
    the DuckDB engine resolves to lake tables. Tokens, not a parse: parsing every silver model
    would cost a good part of a daily ingest; tests/models/test_dependencies.py checks that the
    two agree."""
    tokens = sql_tokens(sql)
    starts = (i for i, token in enumerate(tokens) if token.text.lower() in MODEL_LAYERS)
    return frozenset(t for i in starts if (t := table_at(tokens, i)))


def depends_on(model: Model) -> tuple[str, ...]:
    """The tables the model reads as this stage writes them (it runs after their models)."""
    read = tables_read(model.sql)
    stale = [t for t in model.reads_previous if t not in read or t == model.name]
    if stale:
        raise ModelError(
            f"{model.path}: @reads_previous names {', '.join(stale)}, which the SQL does not "
            "read (or is the model's own table, read as it was before the stage anyway)"
        )
    return tuple(sorted(read - {model.name} - set(model.reads_previous)))


def run_order(models: Iterable[Model]) -> list[Model]:
    """The models in an order where each runs after the models of the tables it depends on
    and before the models of the tables it reads as they were (ties broken by name, so the
    order is stable). A read of a table of the same layer that no model writes is an error."""
    by_name = {m.name: m for m in models}
    after: dict[str, set[str]] = {name: set() for name in by_name}
    for model in by_name.values():
        for table in depends_on(model):
            if table in by_name:
                after[model.name].add(table)
            elif table.split(".")[0] == model.layer:
                raise ModelError(f"{model.path}: reads {table}, which no model writes")
        for table in model.reads_previous:
            if table in by_name:
                after[table].add(model.name)
    ordered: dict[str, Model] = {}
    path: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in path:
            cycle = " -> ".join([*path[path.index(name) :], name])
            raise ModelError(
                f"no order runs every model after the tables it reads: {cycle} (each must run "
                "after the next); a model that reads a table as it was before the stage "
                "declares it with `-- @reads_previous <table>`"
            )
        path.append(name)
        for first in sorted(after[name]):
            visit(first)
        path.pop()
        ordered[name] = by_name[name]

    for name in sorted(by_name):
        visit(name)
    return list(ordered.values())


def layer_models(layer: str) -> list[Model]:
    """The models of `layer` in the order a stage runs them (`run_order`)."""
    return run_order(m for m in load_models().values() if m.layer == layer)
