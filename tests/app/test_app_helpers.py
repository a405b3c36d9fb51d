"""The pure helpers behind the pages: form input to engine input, rows and CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from assistant.service import build_assistant
from assistant.settings import Settings
from assistant.ui_helpers import (
    decisions_csv,
    editor_rows_to_lines,
    escape_markdown,
    injections_from_sides,
    notes_not_in_text,
    payer_comparison,
)


def test_joint_on_both_sides_is_one_bilateral_injection_in_spine_order() -> None:
    got = injections_from_sides(right=["L5-S1", "L4-L5"], left=["L4-L5", "C5-C6"])
    assert got == [
        {"joint": "C5-C6", "side": "left"},
        {"joint": "L4-L5", "side": "bilateral"},
        {"joint": "L5-S1", "side": "right"},
    ]


def test_editor_rows_skip_blanks_and_split_modifiers() -> None:
    rows = [
        {"code": "64490", "modifiers": "50, KX", "units": 1.0},
        {"code": "", "modifiers": "", "units": None},
        {"code": "64491", "modifiers": "RT-KX", "units": None},
        {"code": "64492", "modifiers": None, "units": "two"},
    ]
    assert editor_rows_to_lines(rows) == [
        {"code": "64490", "modifiers": ["50", "KX"], "units": 1},
        {"code": "64491", "modifiers": ["RT", "KX"], "units": 1},
        {"code": "64492", "modifiers": [], "units": -1},  # refused later with a plain message
    ]


def test_escaped_user_text_cannot_become_a_link_or_image() -> None:
    assert escape_markdown("![x](http://e/a.png) [y](z)") == r"\!\[x\]\(http://e/a\.png\) \[y\]\(z\)"


def test_only_notes_missing_from_the_answer_text_are_shown_again() -> None:
    text = "| 64493 | 50 | 1 |\n\n**Assumptions:**\n- Payer taken from your default setting: Aetna."
    discarded = "A generated rephrasing was discarded because it mentions 99213."
    notes = ["Payer taken from your default setting: Aetna.", discarded, discarded]
    assert notes_not_in_text(text, notes) == [discarded]
    assert notes_not_in_text(text, notes[:1]) == []


def test_claim_text_and_csv_round_trip(data_dir: Path) -> None:
    assistant = build_assistant(Settings())
    lines = assistant.parse_claim_lines("64490-50, 64491 x2")
    assert [ln.key() for ln in lines] == [("64490", ("50",), 1), ("64491", (), 2)]
    scenario = {"imaging": "fluoroscopy", "injections": [{"joint": "L4-L5", "side": "bilateral"}]}
    results = {
        "Medicare": assistant.decide({**scenario, "payer": "medicare"}),
        "Broken": "Unknown payer 'x'",
    }
    rows = list(csv.DictReader(io.StringIO(decisions_csv(results))))
    lines = [r for r in rows if r["row_type"] == "line"]
    assert [(r["payer"], r["code"], r["modifiers"], r["units"]) for r in lines] == [("Medicare", "64493", "50", "1")]
    assert any(r["row_type"] == "finding" and r["rule"] == "FJ-BILATERAL" for r in rows)
    assert any(r["payer"] == "Broken" and r["message"] == "Unknown payer 'x'" for r in rows)


def test_payer_comparison_puts_payers_side_by_side(data_dir: Path) -> None:
    table = payer_comparison(build_assistant(Settings()).payers)
    assert set(table) == {"Aetna", "Anthem (AIM / Carelon guidelines)", "Blue Cross Blue Shield", "Cigna", "Medicare", "UnitedHealthcare"}
    assert table["Medicare"]["Bilateral format (ASC facility)"] == "two lines, RT and LT, 1 unit each"
