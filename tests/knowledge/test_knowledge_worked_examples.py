"""Every worked example in the corpus is run through the rule engine: the documents can never
disagree with the rules."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from guardrails import Scenario, decide

DOCS = Path(__file__).resolve().parents[2] / "knowledge" / "docs"
BLOCK = re.compile(r"```yaml worked-example\n(.*?)```", re.S)


def _examples() -> list[Any]:
    params = []
    for path in sorted(DOCS.glob("*.md")):
        for block in BLOCK.findall(path.read_text(encoding="utf-8")):
            example = yaml.safe_load(block)
            params.append(pytest.param(example, id=f"{path.stem}:{example['id']}"))
    return params


EXAMPLES = _examples()


def test_the_corpus_has_worked_examples() -> None:
    assert len(EXAMPLES) >= 12


def test_worked_example_ids_are_unique() -> None:
    ids = [p.values[0]["id"] for p in EXAMPLES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("example", EXAMPLES)
def test_worked_example_matches_the_engine(example: dict[str, Any]) -> None:
    decision = decide(Scenario.model_validate(example["scenario"]))
    got = sorted((ln.code, tuple(ln.modifiers), ln.units) for ln in decision.lines)
    want = sorted((code, tuple(mods), units) for code, mods, units in example["expect"]["lines"])
    assert decision.billable is example["expect"]["billable"]
    assert got == want
