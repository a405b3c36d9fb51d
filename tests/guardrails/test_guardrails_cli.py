"""`python -m guardrails decide|check` run as a subprocess, as `make eval` and users run it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_EVAL = REPO_ROOT.parent / "shared" / "eval"
EVAL_DIR = (SHARED_EVAL if (SHARED_EVAL / "dev-scenarios.jsonl").exists()
            else REPO_ROOT / "tests" / "golden")
GOLDEN = REPO_ROOT / "tests" / "golden"

BILATERAL_L45 = {"payer": "medicare", "imaging": "fluoroscopy",
                 "injections": [{"joint": "L4-L5", "side": "bilateral"}]}


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guardrails", *args],
        input=stdin, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60, check=False,
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(t) for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]


def out_rows(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(t) for t in proc.stdout.splitlines() if t.strip()]


def line_keys(lines: list[Any]) -> Counter[tuple[str, tuple[str, ...], int]]:
    out: Counter[tuple[str, tuple[str, ...], int]] = Counter()
    for ln in lines:
        if isinstance(ln, dict):
            out[(ln["code"], tuple(ln["modifiers"]), ln["units"])] += 1
        else:
            out[(ln[0], tuple(ln[1]), ln[2])] += 1
    return out


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode != 0
    err = proc.stderr.strip()
    assert err and "\n" not in err, f"stderr must be one line: {proc.stderr!r}"
    assert err.startswith("error:")
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word.lower() in err.lower(), f"{word!r} not in {err!r}"


@pytest.fixture
def write_profile_file(profile_writer: Callable[..., Path]) -> Callable[..., Path]:
    return profile_writer


# --- the shared dev sets through the CLI -----------------------------------------------------

def test_jsonl_dev_scenarios_reproduce_every_expected_answer() -> None:
    path = EVAL_DIR / "dev-scenarios.jsonl"
    proc = run_cli("decide", "--jsonl", str(path))
    assert proc.returncode == 0, proc.stderr
    cases = read_jsonl(path)
    rows = out_rows(proc)
    assert [r["id"] for r in rows] == [c["id"] for c in cases]
    for case, row in zip(cases, rows, strict=True):
        assert "error" not in row, row
        assert row["billable"] is case["expect"]["billable"], case["id"]
        assert line_keys(row["lines"]) == line_keys(case["expect"]["lines"]), case["id"]
        assert row["versions"]["rules"] and row["payer"]


def test_jsonl_dev_checks_reproduce_every_expected_answer() -> None:
    path = EVAL_DIR / "dev-checks.jsonl"
    proc = run_cli("check", "--jsonl", str(path))
    assert proc.returncode == 0, proc.stderr
    cases = read_jsonl(path)
    rows = out_rows(proc)
    assert [r["id"] for r in rows] == [c["id"] for c in cases]
    for case, row in zip(cases, rows, strict=True):
        assert row["valid"] is case["expect"]["valid"], case["id"]
        rules = {f["rule"] for f in row["findings"]}
        if "rules_any" in case["expect"]:
            assert rules & set(case["expect"]["rules_any"]), (case["id"], rules)
        assert "corrected_lines" in row


def test_jsonl_guardrails_golden_scenarios_match_the_library() -> None:
    """The CLI and the library agree on every golden scenario, error cases included."""
    path = GOLDEN / "guardrails-scenarios.jsonl"
    cases = read_jsonl(path)
    proc = run_cli("decide", "--jsonl", str(path))
    rows = out_rows(proc)
    assert [r["id"] for r in rows] == [c["id"] for c in cases]
    errors = 0
    for case, row in zip(cases, rows, strict=True):
        if "error" in case["expect"]:
            errors += 1
            assert "error" in row and row["error"].startswith("line "), row
        else:
            assert line_keys(row["lines"]) == line_keys(case["expect"]["lines"]), case["id"]
    assert errors and proc.returncode != 0
    assert f"{errors} input line(s)" in proc.stderr


def test_jsonl_guardrails_golden_checks_match_the_library() -> None:
    path = GOLDEN / "guardrails-checks.jsonl"
    cases = [c for c in read_jsonl(path) if "xfail" not in c]
    proc = run_cli("check", "--jsonl", "-", stdin="\n".join(json.dumps(c) for c in cases))
    assert proc.returncode == 0, proc.stderr
    rows = out_rows(proc)
    assert [r["id"] for r in rows] == [c["id"] for c in cases]
    for case, row in zip(cases, rows, strict=True):
        assert row["valid"] is case["expect"]["valid"], case["id"]
        if case["expect"].get("corrected", "absent") is None:
            assert row["corrected_lines"] is None, case["id"]
        elif case["expect"].get("corrected"):
            assert line_keys(row["corrected_lines"]) == line_keys(case["expect"]["corrected"])


# --- single objects on stdin -------------------------------------------------------------------

def test_stdin_single_scenario() -> None:
    proc = run_cli("decide", "-", stdin=json.dumps(BILATERAL_L45))
    assert proc.returncode == 0, proc.stderr
    (row,) = out_rows(proc)
    assert line_keys(row["lines"]) == Counter({("64493", ("50",), 1): 1})
    assert row["payer"] == "medicare" and row["billable"] is True
    assert all(f["citations"] for f in row["findings"])


def test_stdin_single_wrapped_scenario() -> None:
    proc = run_cli("decide", "-", stdin=json.dumps({"id": "x1", "scenario": BILATERAL_L45}))
    assert proc.returncode == 0, proc.stderr
    (row,) = out_rows(proc)
    assert row["id"] == "x1"
    assert line_keys(row["lines"]) == Counter({("64493", ("50",), 1): 1})


def test_stdin_single_claim_with_correction() -> None:
    claim = {"payer": "medicare", "lines": [{"code": "64490", "modifiers": ["50"], "units": 1},
                                            {"code": "64491", "modifiers": [], "units": 2}]}
    proc = run_cli("check", "-", stdin=json.dumps(claim))
    assert proc.returncode == 0, proc.stderr
    (row,) = out_rows(proc)
    assert row["valid"] is False
    assert "FJ-UNITS-ONE" in {f["rule"] for f in row["findings"]}
    assert line_keys(row["corrected_lines"]) == line_keys([["64490", ["50"], 1],
                                                           ["64491", ["50"], 1]])


@pytest.mark.parametrize(
    ("command", "stdin", "words"),
    [
        ("decide", "{not json", ("malformed JSON",)),
        ("check", "[1, 2", ("malformed JSON",)),
        ("decide", json.dumps({"imaging": "fluoroscopy",
                               "injections": [{"joint": "L5-L6", "side": "left"}]}), ("L5-L6",)),
        ("decide", json.dumps({"injections": [{"joint": "SI joint", "side": "left"}]}),
         ("sacroiliac",)),
        ("decide", json.dumps({"payer": "Acme Health",
                               "injections": [{"joint": "L4-L5", "side": "left"}]}),
         ("Acme Health", "payer")),
        ("check", json.dumps({"payer": "Acme Health", "lines": [{"code": "64493"}]}),
         ("Acme Health",)),
        ("decide", json.dumps({"injections": [{"joint": "L4-L5", "side": "up"}]}), ("side",)),
        ("decide", json.dumps({"injections": []}), ("injections",)),
        ("decide", "[]", ("JSON object",)),
    ],
    ids=["malformed-decide", "malformed-check", "unknown-joint", "si-joint", "unknown-payer",
         "unknown-payer-check", "bad-side", "no-injections", "not-an-object"],
)
def test_bad_single_input_is_a_one_line_error(command: str, stdin: str,
                                              words: tuple[str, ...]) -> None:
    proc = run_cli(command, "-", stdin=stdin)
    assert_one_line_error(proc, *words)
    assert proc.stdout.strip() == ""


def test_jsonl_bad_line_reports_error_and_continues(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = {"id": "ok1", "scenario": BILATERAL_L45}
    rows_in = [
        json.dumps(good),
        "{broken json",
        json.dumps({"id": "bad-joint", "scenario": {"injections": [{"joint": "L5-L6",
                                                                    "side": "left"}]}}),
        "",
        json.dumps({"id": "bad-payer", "scenario": {"payer": "nobody", "injections": [
            {"joint": "L4-L5", "side": "left"}]}}),
        json.dumps({"id": "ok2", "scenario": {"payer": "aetna", "imaging": "ct", "injections": [
            {"joint": "C5-C6", "side": "right"}]}}),
    ]
    path.write_text("\n".join(rows_in) + "\n", encoding="utf-8")
    proc = run_cli("decide", "--jsonl", str(path))
    assert proc.returncode != 0
    rows = out_rows(proc)
    assert len(rows) == 5, "one output line per non-blank input line"
    assert [r.get("id") for r in rows] == ["ok1", 2, "bad-joint", "bad-payer", "ok2"]
    assert "error" not in rows[0] and "error" not in rows[4]
    assert line_keys(rows[4]["lines"]) == Counter({("64490", ("RT",), 1): 1})
    assert "line 2" in rows[1]["error"] and "JSON" in rows[1]["error"]
    assert "L5-L6" in rows[2]["error"]
    assert "nobody" in rows[3]["error"]
    assert "3 input line(s)" in proc.stderr


def test_jsonl_from_stdin() -> None:
    text = "\n".join(json.dumps({"id": f"s{i}", "scenario": BILATERAL_L45}) for i in range(3))
    proc = run_cli("decide", "--jsonl", "-", stdin=text)
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in out_rows(proc)] == ["s0", "s1", "s2"]


def test_missing_jsonl_file(tmp_path: Path) -> None:
    proc = run_cli("decide", "--jsonl", str(tmp_path / "absent.jsonl"))
    assert_one_line_error(proc, "absent.jsonl")


def test_no_input_given_is_refused() -> None:
    proc = run_cli("decide")
    assert proc.returncode != 0


# --- --payer-file ------------------------------------------------------------------------------

def test_payer_file_changes_the_format(write_profile_file: Callable[..., Path]) -> None:
    path = write_profile_file({"bilateral_format": "rt_lt_two_lines"})
    scenario = {"imaging": "fluoroscopy", "injections": [{"joint": "L4-L5", "side": "bilateral"}]}
    proc = run_cli("decide", "-", "--payer-file", str(path), stdin=json.dumps(scenario))
    assert proc.returncode == 0, proc.stderr
    (row,) = out_rows(proc)
    assert row["payer"] == "clinic_custom", "the file's profile is the default payer"
    assert line_keys(row["lines"]) == Counter({("64493", ("RT",), 1): 1, ("64493", ("LT",), 1): 1})
    without = out_rows(run_cli("decide", "-", stdin=json.dumps(scenario)))[0]
    assert line_keys(without["lines"]) == Counter({("64493", ("50",), 1): 1})
    named = run_cli("decide", "-", "--payer-file", str(path),
                    stdin=json.dumps({**scenario, "payer": "medicare"}))
    assert line_keys(out_rows(named)[0]["lines"]) == Counter({("64493", ("50",), 1): 1})


def test_payer_file_for_check(write_profile_file: Callable[..., Path]) -> None:
    path = write_profile_file({"bilateral_format": "modifier_50_two_units"})
    claim = {"lines": [{"code": "64493", "modifiers": ["50"], "units": 2}]}
    ok = run_cli("check", "-", "--payer-file", str(path), stdin=json.dumps(claim))
    assert ok.returncode == 0, ok.stderr
    assert out_rows(ok)[0]["valid"] is True
    medicare = run_cli("check", "-", stdin=json.dumps({**claim, "payer": "medicare"}))
    assert out_rows(medicare)[0]["valid"] is False


@pytest.mark.parametrize(
    ("overrides", "drop", "field"),
    [({"bilateral_format": "sideways"}, (), "bilateral_format"),
     ({}, ("name",), "name"),
     ({"colour": "blue"}, (), "colour")],
)
@pytest.mark.parametrize("command", ["decide", "check"])
def test_invalid_payer_file_exits_naming_file_and_field(
        command: str, overrides: dict[str, Any], drop: tuple[str, ...], field: str,
        profile_writer: Callable[..., Path]) -> None:
    path = profile_writer(overrides, drop=drop, name="broken_plan.yaml")
    proc = run_cli(command, "-", "--payer-file", str(path), stdin=json.dumps(BILATERAL_L45))
    assert_one_line_error(proc, "broken_plan.yaml", field)
    assert proc.stdout.strip() == ""


def test_payer_file_malformed_yaml(tmp_path: Path) -> None:
    path = tmp_path / "garbled.yaml"
    path.write_text("id: [oops\n", encoding="utf-8")
    proc = run_cli("decide", "-", "--payer-file", str(path), stdin=json.dumps(BILATERAL_L45))
    assert proc.returncode != 0
    assert "garbled.yaml" in proc.stderr and "Traceback" not in proc.stderr


def test_payer_file_malformed_yaml_error_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "garbled.yaml"
    path.write_text("id: [oops\n", encoding="utf-8")
    proc = run_cli("decide", "-", "--payer-file", str(path), stdin=json.dumps(BILATERAL_L45))
    assert_one_line_error(proc, "garbled.yaml", "YAML")
