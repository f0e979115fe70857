"""The wheel is the software: build it, install it into a fresh venv outside the checkout, and run
the chain from an empty folder with nothing but the installed `lakehouse` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SOURCE_PACKAGES = ("cli", "lakehouse", "sim")
NOT_SOURCE_TOP = shutil.ignore_patterns(
    ".git", ".venv", "lake", "lake-*", "build", "exports", "reports", "tests", "data", ".tmp",
)  # fmt: skip
"""Left out at the top of the checkout only (the package `lakehouse.lake` is source)."""
NOT_SOURCE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache")


def _not_source(folder: str, names: list[str]) -> set[str]:
    top = NOT_SOURCE_TOP(folder, names) if Path(folder) == REPO else set()
    return top | NOT_SOURCE(folder, names)


def _python_packages() -> set[str]:
    """Every folder of the source tree that Python imports as a package."""
    return {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in SOURCE_PACKAGES
        for init in (REPO / top).rglob("__init__.py")
    }


def test_the_package_list_names_every_package_of_the_source_tree():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed == _python_packages() | {"lakehouse_sql"}
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"lakehouse_sql": "sql"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built offline from a copy of the checkout (the build leaves build/ behind)."""
    source = tmp_path_factory.mktemp("source") / "tutor-lakehouse"
    shutil.copytree(REPO, source, ignore=_not_source)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(source)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (built,) = out.glob("tutor_lakehouse-*.whl")
    return built


def test_the_wheel_holds_every_module_and_every_sql_model(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        p.relative_to(REPO).as_posix()
        for top in SOURCE_PACKAGES
        for p in (REPO / top).rglob("*.py")
    }
    expected |= {f"lakehouse_sql/{p.relative_to(REPO / 'sql').as_posix()}" for p in (REPO / "sql").rglob("*")
                 if p.is_file() and p.suffix in (".sql", ".py")}  # fmt: skip
    expected.add("lakehouse/py.typed")
    assert expected <= names, sorted(expected - names)
    assert not any(n.startswith(("sql/", "tests/")) for n in names)


def _fresh_venv(root: Path, wheel: Path) -> Path:
    """A venv with only the wheel installed; its dependencies come from the running
    environment's site-packages through a .pth line (no network), which runs no .pth file of
    that environment (so not the editable install of the checkout)."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (purelib,) = (venv / "lib").glob("python3.*/site-packages")
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "dependencies.pth").write_text("\n".join(sorted(deps)) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return venv


def test_the_installed_wheel_runs_the_chain_from_an_empty_folder(wheel: Path, tmp_path: Path):
    venv = _fresh_venv(tmp_path, wheel)
    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEHOUSE_", "PYTHON"))}
    env["COLUMNS"] = "200"

    def run(*args: str) -> str:
        done = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    where = run(str(venv / "bin" / "python"), "-c",
                "import cli, lakehouse, lakehouse_sql; "
                "print(cli.__file__, lakehouse.__file__, lakehouse_sql.__file__)")  # fmt: skip
    assert all(Path(p).is_relative_to(venv) for p in where.split()), where
    lakehouse = str(venv / "bin" / "lakehouse")
    run(lakehouse, "init")
    run(lakehouse, "simulate", "history", "--until", "2021-10-31")
    assert "2021-11-01" in run(lakehouse, "ingest", "--all")
    assert "gold.monthly_revenue" in run(lakehouse, "materialize")
    assert "report written" in run(lakehouse, "report")
    assert (work / "reports" / "report.html").stat().st_size > 1_000_000
    # the other files the program reads from installed packages: the Lambda bundle's code and
    # SQL, and the Drive API's discovery document (no network: static discovery)
    run(lakehouse, "deploy", "render", "--out", "bundle")
    assert (work / "bundle" / "lambda" / "lakehouse_sql" / "gold" / "monthly_revenue.sql").is_file()
    assert "duckdb==1.5.5" in (work / "bundle" / "lambda" / "requirements.txt").read_text()
    drive = run(str(venv / "bin" / "python"), "-c",
                "from google.oauth2.credentials import Credentials\n"
                "from lakehouse.export.targets.drive_api import build_drive\n"
                "print(type(build_drive(Credentials('token')).files()).__name__)")  # fmt: skip
    assert drive.strip() == "Resource"
