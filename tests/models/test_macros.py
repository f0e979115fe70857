"""SQL macros (`sql/macros/`): inlined when a model is read, so the twins share one piece of
SQL that both engines run; a scalar macro means what DuckDB's own `CREATE MACRO` means."""

import shutil
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from lakehouse.models import SQL_DIR, ModelError, load_models, parse_model
from lakehouse.models.macros import Macro, load_macros

STAGING = tuple(
    f"silver.stg_{e}" for e in ("sessions", "students", "tutors", "feedback", "test_scores")
)
TWINS = {
    "scd2_versions": ("silver.dim_students", "silver.dim_tutors"),
    "fact_audit": ("silver.err_feedback", "silver.err_test_scores"),
    "dimension_rows": ("silver.stg_students", "silver.stg_tutors"),
    "whole_number": (
        "silver.stg_students",
        "silver.stg_tutors",
        "silver.stg_feedback",
        "silver.stg_test_scores",
    ),
    "iso_timestamp": (
        "silver.stg_students",
        "silver.stg_tutors",
        "silver.stg_feedback",
        "silver.stg_test_scores",
    ),
    "calendar_date": ("silver.stg_students", "silver.stg_tutors", "silver.stg_test_scores"),
    "unsigned_decimal": ("silver.stg_students", "silver.stg_tutors"),
    "id_number": ("silver.stg_sessions",),
    "whole_between": ("silver.stg_sessions",),
    "exact_timestamp": ("silver.stg_sessions",),
    "ingest_ts_repaired": STAGING,
    "row_ingest_ts": STAGING,
}


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def model_sql(root: Path, text: str) -> str:
    return parse_model(write(root, "gold/example.sql", text), root).sql


@pytest.mark.parametrize("macro", sorted(TWINS))
def test_each_shared_macro_is_inlined_into_the_models_that_share_it(macro: str) -> None:
    models = load_models()
    users = sorted(name for name, m in models.items() if macro in m.macros)
    assert users == sorted(TWINS[macro])
    for name in users:  # inlined: no engine ever sees the call
        assert f"{macro}(" not in models[name].sql.lower()


@pytest.mark.parametrize("macro", sorted(TWINS))
def test_a_change_to_a_macro_changes_every_model_that_uses_it(macro: str, tmp_path: Path) -> None:
    root = tmp_path / "sql"
    shutil.copytree(SQL_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    path = root / "macros" / f"{macro}.sql"
    text = path.read_text()
    as_ = " AS TABLE\n" if " AS TABLE\n" in text else " AS\n"
    head, body = text.split(as_, 1)
    marked = f"SELECT * FROM ({body}) WHERE 'edited' <> ''" if "TABLE" in as_ else f"{body} || ''"
    path.write_text(f"{head}{as_}{marked}")
    before, after = load_models(), load_models(root)
    for name, model in before.items():
        changed = model.sql.replace(str(SQL_DIR), "") != after[name].sql.replace(str(root), "")
        assert changed == (name in TWINS[macro]), name


def test_macros_are_not_models() -> None:
    assert not [name for name in load_models() if name.startswith("macros.")]


def test_a_parameter_stands_for_a_value_a_column_or_a_table(tmp_path: Path) -> None:
    write(tmp_path, "macros/plus.sql", "-- plus\nCREATE MACRO plus(a, b) AS a + b\n")
    write(
        tmp_path,
        "macros/latest.sql",
        "CREATE MACRO latest(rel, key, cols) AS TABLE\n"
        "SELECT key, cols, :batch AS batch FROM rel WHERE r.key > plus(key, 1)\n",
    )
    sql = model_sql(
        tmp_path,
        "-- example\n-- @kind full\nSELECT plus(x * 2, -1) AS y, plus(f(x), t.z) AS w\n"
        "FROM latest(silver.t, student_id, (first_name, grade)) AS l\n",
    )
    body = sql.split("\n", 2)[2]
    # a compound argument, and a compound body, keep their own precedence
    assert "SELECT ((x * 2) + -1) AS y, (f(x) + t.z) AS w\nFROM (\n" in body
    assert "SELECT student_id, first_name, grade, :batch AS batch FROM silver.t" in body
    assert "WHERE r.student_id > (student_id + 1)\n) AS l\n" in body  # macros call macros
    model = parse_model(tmp_path / "gold" / "example.sql", tmp_path)
    assert model.macros == ("plus", "latest")
    assert model.kind == "full"  # the header is read from the file as written


def test_strings_placeholders_and_qualified_names_are_not_calls(tmp_path: Path) -> None:
    write(tmp_path, "macros/twice.sql", "CREATE MACRO twice(v) AS v * 2\n")
    sql = model_sql(tmp_path, "SELECT 'twice(1)' AS s, :twice AS p, x.twice(1) AS q, twice(2)\n")
    assert sql == "SELECT 'twice(1)' AS s, :twice AS p, x.twice(1) AS q, (2 * 2)\n"


@pytest.mark.parametrize(
    ("macro", "call", "message"),
    [
        ("CREATE MACRO one(a) AS a\n", "one(1, 2)", r"one takes 1 argument\(s\) \(a\), got 2"),
        ("CREATE MACRO one(a) AS a\n", "one(1, )", r"one\(\.\.\.\) has an empty argument"),
        ("CREATE MACRO one(a) AS one(a)\n", "one(1)", "calls itself"),
        ("CREATE MACRO two(a) AS a\n", "one(1)", "defines 'two'; name the file after its macro"),
        ("SELECT 1\n", "one(1)", r"holds one `CREATE MACRO"),
        ("CREATE MACRO one(text) AS CAST(text AS TEXT)\n", "one(1)", "text are SQL keywords"),
    ],
)
def test_a_wrong_macro_or_call_names_the_file(
    macro: str, call: str, message: str, tmp_path: Path
) -> None:
    write(tmp_path, "macros/one.sql", macro)
    with pytest.raises(ModelError, match=message):
        model_sql(tmp_path, f"SELECT {call} AS v\n")


def bound(macro: Macro) -> bool:
    """A table macro, or one reading a batch parameter (:ingest_date): DuckDB cannot create it."""
    tree = sqlglot.parse_one(macro.path.read_text(), read="duckdb")
    return macro.table or tree.find(exp.Placeholder) is not None


def created(con: duckdb.DuckDBPyConnection, text: str) -> bool:
    try:
        con.execute(text)
    except duckdb.CatalogException:
        return False
    return True


SAMPLES = [
    "12",
    "12.0",
    " 7 ",
    "-3",
    "1e3",
    "3.5",
    "",
    None,
    "99999999999999999999",
    "9007199254740993",
    "2026-01-15 10:30:00",
    "2026-01-15 10:30:00.123",
    "2026-02-30 10:00:00",
    "2026-01-15T10:30:00",
    "2026-01-15",
    "1/5/2026",
    "12/31/2025",
    "13/40/2025",
]


@pytest.mark.parametrize(
    "name",
    sorted(n for n, m in load_macros(SQL_DIR).items() if len(m.params) == 1 and not bound(m)),
)
def test_a_scalar_macro_inlined_means_what_duckdb_makes_of_it(name: str, tmp_path: Path) -> None:
    """The inlined text and DuckDB's own macro (created from the same file) agree."""
    con = duckdb.connect()
    pending = [m.path.read_text() for m in load_macros(SQL_DIR).values() if not bound(m)]
    for _ in range(len(pending)):  # a macro that calls another one is created after it
        pending = [text for text in pending if not created(con, text)]
    assert not pending
    inlined = model_sql(tmp_path, f"SELECT {name}(v) AS out FROM samples ORDER BY i\n")
    con.execute("CREATE TABLE samples (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO samples VALUES (?, ?)", list(enumerate(SAMPLES)))
    native = con.execute(f"SELECT {name}(v) AS out FROM samples ORDER BY i").fetchall()
    assert con.execute(inlined).fetchall() == native
    assert len({row for row in native}) > 1  # the samples tell its answers apart
