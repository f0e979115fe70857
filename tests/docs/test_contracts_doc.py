"""docs/CONTRACTS.md's tables are generated from the declarations the code runs on: the raw
file columns (`lakehouse.bronze.files`), the silver contracts (`lakehouse.models.contracts`)
and the silver models' headers (key, partitioning). A hand edit or a changed declaration
fails here with a diff; after an intended change, regenerate and review the diff:

    make docs    (LAKEHOUSE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/docs/test_contracts_doc.py)
"""

from __future__ import annotations

import difflib
import os
import re
import textwrap
from pathlib import Path

from lakehouse.bronze.files import (
    BASE_COLUMNS,
    BATCH_COLUMNS,
    DAILY_FILES,
    ENTITIES,
    OPTIONAL_COLUMNS,
)
from lakehouse.models import get_model
from lakehouse.models.contracts import CONTRACTS, Contract

DOC = Path(__file__).resolve().parents[2] / "docs" / "CONTRACTS.md"
UPDATE = os.environ.get("LAKEHOUSE_UPDATE_GOLDEN") == "1"
BLOCK = re.compile(
    r"(<!-- generated: (?P<name>\w+)[^>]*-->\n)(?P<body>.*?)(<!-- end generated: (?P=name) -->)",
    re.S,
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _names(columns: tuple[str, ...]) -> str:
    return f"`{', '.join(columns)}`"


def bronze_block() -> str:
    rows = [
        "| entity | columns, in file order | daily batches add | daily file |",
        "| --- | --- | --- | --- |",
    ]
    for entity in ENTITIES:
        added = _names(BATCH_COLUMNS[entity])
        if OPTIONAL_COLUMNS[entity]:
            added += f", then optionally {_names(OPTIONAL_COLUMNS[entity])}"
        daily = f"`{DAILY_FILES[entity]}.csv`"
        rows.append(f"| {entity} | {_names(BASE_COLUMNS[entity])} | {added} | {daily} |")
    return "\n".join(rows) + "\n"


def _written(contract: Contract) -> str:
    model = get_model(contract.table)
    facts = []
    if model.unique_key:
        facts.append(f"key {_names(model.unique_key)}")
    if "business_key" in model.extra:
        facts.append(f"business key `{model.extra['business_key']}`")
    if model.partitioned_by:
        facts.append(f"partitioned by `{model.partitioned_by}`")
    facts.append(f"written by `sql/silver/{model.table}.sql` (`@kind {model.kind}`)")
    text = "; ".join(facts)
    return text[0].upper() + text[1:] + "."


def silver_block() -> str:
    parts = []
    for contract in CONTRACTS:
        rows = [
            f"| {c.name} | {c.type} | {_cell(c.doc)} |".replace("|  |", "| |")
            for c in contract.columns
        ]
        about = textwrap.fill(
            f"{contract.doc} {_written(contract)}",
            100,
            break_long_words=False,
            break_on_hyphens=False,
        )
        parts.append(
            f"### `{contract.table}`\n\n{about}\n\n"
            "| column | type | meaning |\n| --- | --- | --- |\n" + "\n".join(rows) + "\n"
        )
    return "\n".join(parts)


def generated(text: str) -> str:
    """`text` with every generated block replaced by what the declarations give now."""
    blocks = {"bronze": bronze_block(), "silver": silver_block()}
    found = {m.group("name") for m in BLOCK.finditer(text)}
    assert found == set(blocks), f"generated blocks in {DOC.name}: {sorted(found)}"
    return BLOCK.sub(lambda m: m.group(1) + blocks[m.group("name")] + m.group(4), text)


def drift(text: str) -> list[str]:
    """The diff from `text` to the doc the declarations give (empty when it is up to date)."""
    diff = difflib.unified_diff(
        text.splitlines(), generated(text).splitlines(), DOC.name, "generated", lineterm=""
    )
    return list(diff)


def test_the_contract_tables_in_the_doc_are_generated_from_the_declarations():
    text = DOC.read_text(encoding="utf-8")
    if UPDATE:
        DOC.write_text(generated(text), encoding="utf-8")
        text = DOC.read_text(encoding="utf-8")
    changes = drift(text)
    assert not changes, "regenerate with `make docs`:\n" + "\n".join(changes[:60])


def test_a_hand_edited_or_outdated_table_is_caught():
    text = DOC.read_text(encoding="utf-8")
    retyped = text.replace("| session_month | VARCHAR |", "| session_month | DATE |", 1)
    assert retyped != text
    assert "-| session_month | DATE | 'YYYY-MM' of session_ts (partition key) |" in drift(retyped)
    dropped = text.replace("| tutor_sk | BIGINT | the same for dim_tutors |\n", "", 1)
    assert dropped != text
    assert "+| tutor_sk | BIGINT | the same for dim_tutors |" in drift(dropped)


def test_every_contract_table_has_its_model_and_is_documented_once():
    tables = [c.table for c in CONTRACTS]
    assert len(tables) == len(set(tables))
    for table in tables:
        assert get_model(table).layer == "silver"
    text = DOC.read_text(encoding="utf-8")
    assert all(text.count(f"### `{t}`") == 1 for t in tables)
