"""Command line: decide scenarios and check claims from JSON Lines or standard input."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from pydantic import ValidationError

from guardrails.checker import check_claim
from guardrails.engine import decide
from guardrails.errors import GuardrailsError
from guardrails.models import Claim, Scenario
from guardrails.payers import PayerRegistry, load_payers, load_profile

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

JsonlOpt = Annotated[str | None, typer.Option("--jsonl", help="JSON Lines file, or '-' for standard input.")]
PayerFileOpt = Annotated[
    Path | None, typer.Option("--payer-file", help="Use (and default to) a payer profile YAML file.")
]
SingleArg = Annotated[str | None, typer.Argument(help="'-' reads one JSON object from standard input.")]


def _registry(payer_file: Path | None) -> tuple[PayerRegistry, str | None]:
    registry = load_payers()
    if payer_file is None:
        return registry, None
    profile = load_profile(payer_file)
    return registry.with_profile(profile), profile.id


def _describe_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "input"
        return f"invalid input at '{where}': {first['msg']}"
    if isinstance(exc, json.JSONDecodeError):
        return f"malformed JSON: {exc.msg} (column {exc.colno})"
    return str(exc)


def _records(jsonl: str | None, single: str | None) -> tuple[Iterator[tuple[int, str]], bool]:
    if jsonl is not None:
        stream: TextIO = sys.stdin if jsonl == "-" else open(jsonl, encoding="utf-8")  # noqa: SIM115
        lines = ((n, text) for n, text in enumerate(stream, 1) if text.strip())
        return lines, True
    if single == "-":
        return iter([(1, sys.stdin.read())]), False
    raise typer.BadParameter("give --jsonl FILE, --jsonl -, or '-' for one JSON object on stdin")


def _run(
    jsonl: str | None,
    single: str | None,
    key: str,
    handle: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    try:
        records, many = _records(jsonl, single)
    except OSError as exc:
        typer.echo(f"error: cannot read {jsonl}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    failures = 0
    for number, text in records:
        record_id: Any = None
        try:
            obj = json.loads(text)
            if not isinstance(obj, dict):
                raise GuardrailsError("each input must be a JSON object")
            record_id = obj.get("id", number)
            body = obj.get(key, obj if not many else None)
            if not isinstance(body, dict):
                raise GuardrailsError(f"missing '{key}' object")
            out = {"id": record_id, **handle(body)}
        except (GuardrailsError, ValidationError, json.JSONDecodeError) as exc:
            failures += 1
            message = _describe_error(exc)
            if not many:
                typer.echo(f"error: {message}", err=True)
                raise typer.Exit(1) from exc
            out = {"id": record_id if record_id is not None else number, "error": f"line {number}: {message}"}
        typer.echo(json.dumps(out, ensure_ascii=False))
    if failures:
        typer.echo(f"error: {failures} input line(s) could not be processed", err=True)
        raise typer.Exit(1)


def _serve(
    jsonl: str | None,
    single: str | None,
    payer_file: Path | None,
    key: str,
    compute: Callable[[dict[str, Any], PayerRegistry], dict[str, Any]],
) -> None:
    """Shared by decide and check: load the payers (and --payer-file), then answer each record."""
    try:
        registry, default_payer = _registry(payer_file)
    except GuardrailsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc

    def handle(body: dict[str, Any]) -> dict[str, Any]:
        if default_payer and "payer" not in body:
            body = {**body, "payer": default_payer}
        return compute(body, registry)

    _run(jsonl, single, key, handle)


@app.command("decide")
def decide_cmd(single: SingleArg = None, jsonl: JsonlOpt = None, payer_file: PayerFileOpt = None) -> None:
    """Claim lines and findings for each scenario."""

    def compute(body: dict[str, Any], registry: PayerRegistry) -> dict[str, Any]:
        d = decide(Scenario.model_validate(body), payers=registry)
        fields = {"billable", "lines", "findings", "assumptions", "rules_applied", "payer", "versions"}
        return d.model_dump(mode="json", include=fields)

    _serve(jsonl, single, payer_file, "scenario", compute)


@app.command("check")
def check_cmd(single: SingleArg = None, jsonl: JsonlOpt = None, payer_file: PayerFileOpt = None) -> None:
    """Validate claim lines; give corrected lines when the fix is clear."""

    def compute(body: dict[str, Any], registry: PayerRegistry) -> dict[str, Any]:
        r = check_claim(Claim.model_validate(body), payers=registry)
        fields = {"valid", "findings", "corrected_lines", "assumptions", "payer", "versions"}
        return r.model_dump(mode="json", include=fields)

    _serve(jsonl, single, payer_file, "claim", compute)


@app.command("rules")
def rules_cmd() -> None:
    """List the rule catalog: ID and plain explanation."""
    from guardrails.catalog import load_catalog

    for rule in load_catalog().rules.values():
        typer.echo(f"{rule.id}\t{rule.explanation}")
