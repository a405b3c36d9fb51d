"""Score the evaluation sets: scenarios and checks (rule engine CLI output), questions (assistant)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(add_completion=False)


def _read(path: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {str(r["id"]): r for r in rows}


def _line_set(lines: list[Any]) -> list[tuple[str, tuple[str, ...], int]]:
    out = []
    for ln in lines:
        if isinstance(ln, dict):
            out.append((ln["code"], tuple(ln["modifiers"]), int(ln["units"])))
        else:
            out.append((ln[0], tuple(ln[1]), int(ln[2])))
    return sorted(out)


def score_scenario(expect: dict[str, Any], got: dict[str, Any]) -> list[str]:
    problems = []
    if "error" in got:
        return [got["error"]]
    if "billable" in expect and got.get("billable") != expect["billable"]:
        problems.append(f"billable {got.get('billable')} != {expect['billable']}")
    if "lines" in expect and _line_set(got.get("lines", [])) != _line_set(expect["lines"]):
        problems.append(f"lines {_line_set(got.get('lines', []))} != {_line_set(expect['lines'])}")
    return problems


def score_check(expect: dict[str, Any], got: dict[str, Any]) -> list[str]:
    if "error" in got:
        return [got["error"]]
    problems = []
    if got.get("valid") != expect["valid"]:
        problems.append(f"valid {got.get('valid')} != {expect['valid']}")
    rules = {f["rule"] for f in got.get("findings", [])}
    if expect.get("rules_any") and not rules & set(expect["rules_any"]):
        problems.append(f"none of {expect['rules_any']} in {sorted(rules)}")
    return problems


def score_question(expect: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Questions: right route/rules/text, and never a wrong set of claim lines."""
    if "error" in got:
        return [got["error"]]
    problems = []
    decision = got.get("decision") or {}
    lines = decision.get("lines")
    if "lines" in expect:
        if lines is None or _line_set(lines) != _line_set(expect["lines"]):
            problems.append(f"lines {lines and _line_set(lines)} != {_line_set(expect['lines'])}")
    elif lines and got.get("route") == "coding" and expect.get("billable") is not False:
        pass  # lines given where none were expected are judged by the other keys
    if "billable" in expect and decision.get("billable") != expect["billable"]:
        problems.append(f"billable {decision.get('billable')} != {expect['billable']}")
    if "route" in expect and got.get("route") != expect["route"]:
        problems.append(f"route {got.get('route')} != {expect['route']}")
    if expect.get("rules_any"):
        rules = set(got.get("rules", [])) | {f["rule"] for f in decision.get("findings", [])}
        if not rules & set(expect["rules_any"]):
            problems.append(f"none of {expect['rules_any']} in {sorted(rules)}")
    if expect.get("contains_any"):
        text = got.get("answer", "").lower()
        if not any(s.lower() in text for s in expect["contains_any"]):
            problems.append(f"answer lacks any of {expect['contains_any']}")
    return problems


SCORERS = {
    "scenarios": ("dev-scenarios.jsonl", "scenarios.out.jsonl", score_scenario),
    "checks": ("dev-checks.jsonl", "checks.out.jsonl", score_check),
    "questions": ("dev-questions.jsonl", "questions.out.jsonl", score_question),
}


@app.command()
def main(
    eval_dir: Annotated[Path, typer.Option(help="Folder with dev-*.jsonl")] = Path("tests/golden"),
    out_dir: Annotated[Path, typer.Option(help="Folder with *.out.jsonl")] = Path("data/eval"),
) -> None:
    failed = 0
    for name, (cases_file, out_file, scorer) in SCORERS.items():
        out_path = out_dir / out_file
        if not out_path.exists():
            typer.echo(f"{name}: no output at {out_path}, skipped")
            continue
        cases, outputs = _read(eval_dir / cases_file), _read(out_path)
        right = 0
        for case_id, case in cases.items():
            got = outputs.get(case_id, {"error": "no output"})
            problems = scorer(case["expect"], got)
            if problems:
                typer.echo(f"  FAIL {name}/{case_id}: {'; '.join(problems)}")
            else:
                right += 1
        failed += len(cases) - right
        typer.echo(f"{name}: {right}/{len(cases)} right")
    raise typer.Exit(1 if failed else 0)


if __name__ == "__main__":
    app()
