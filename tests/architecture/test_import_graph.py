"""No import cycle inside `lakehouse/` (the layer order itself is import-linter's, `make lint`)."""

from pathlib import Path

from tests.architecture.import_graph import cycles, import_graph

REPO = Path(__file__).resolve().parents[2]


def test_lakehouse_has_no_import_cycle():
    graph = import_graph(REPO, "lakehouse")
    assert {"lakehouse.bronze.files", "lakehouse.lake.catalog"} <= graph["lakehouse.silver.ingest"]
    assert cycles(graph) == []


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_cycle_through_a_function_local_import_is_found(tmp_path):
    _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/low.py": "def f():\n    from pkg.high import g\n    return g\n",
            "pkg/high.py": "from pkg import low\n",
            "pkg/other/__init__.py": "from . import leaf\n",
            "pkg/other/leaf.py": "import pkg.low\n",
        },
    )
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.high"] == {"pkg.low"}
    assert graph["pkg.other"] == {"pkg.other.leaf"}
    assert cycles(graph) == [["pkg.high", "pkg.low"]]


def test_a_package_importing_its_parent_chain_is_not_a_cycle_but_a_loop_is(tmp_path):
    _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import pkg.b\n",
            "pkg/b.py": "from pkg.c import x\n",
            "pkg/c.py": "x = 1\n",
        },
    )
    assert cycles(import_graph(tmp_path, "pkg")) == []
    (tmp_path / "pkg/c.py").write_text("from pkg import a\nx = 1\n", encoding="utf-8")
    assert cycles(import_graph(tmp_path, "pkg")) == [["pkg.a", "pkg.b", "pkg.c"]]
