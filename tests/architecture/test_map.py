"""docs/architecture.md, the layer check and the tests follow the folders of `lakehouse/`."""

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAP = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")


def _packages() -> set[str]:
    return {p.parent.name for p in (REPO / "lakehouse").glob("*/__init__.py")}


def _layers_in_config() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [
        c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    return layers


def test_the_map_names_every_package_and_top_level_module_and_no_other():
    named = set(re.findall(r"`lakehouse/(\w+)/`", MAP))
    assert named == _packages()
    modules = {p.name for p in (REPO / "lakehouse").glob("*.py") if p.name != "__init__.py"}
    assert all(f"`{m}`" in MAP for m in modules), sorted(m for m in modules if f"`{m}`" not in MAP)


def test_the_map_shows_the_dependency_order_the_layer_check_enforces():
    section = MAP.split("## Dependency order", 1)[1]
    block = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert block is not None
    assert block.group(1).split("\n")[:-1] == _layers_in_config()
    listed = {name.strip() for layer in _layers_in_config() for name in layer.split("|")}
    top = {p.stem for p in (REPO / "lakehouse").glob("*.py") if p.name != "__init__.py"}
    assert listed == _packages() | top


def test_every_package_has_its_tests_folder():
    assert _packages() <= {p.name for p in (REPO / "tests").iterdir() if p.is_dir()}
