"""python -m assistant ask "QUESTION" [--payer ID] [--setting S] [--json] | ask --jsonl FILE"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True)


@app.callback()
def main() -> None:
    """Facet Coding Assistant on the command line."""


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question, in quotes.")] = None,
    payer: Annotated[str | None, typer.Option(help="Default payer id or name.")] = None,
    setting: Annotated[
        str | None, typer.Option(help="professional | asc_facility | hospital_outpatient_facility")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    jsonl: Annotated[Path | None, typer.Option("--jsonl", help="Lines with id, question, payer?, setting?")] = None,
) -> None:
    from assistant.service import build_assistant
    from assistant.settings import Settings

    if question is None and jsonl is None:
        raise typer.BadParameter("give a QUESTION or --jsonl FILE")
    assistant = build_assistant(Settings())
    if jsonl is None:
        answer = assistant.ask(question, payer=payer, setting=setting)
        typer.echo(answer.model_dump_json(indent=2, exclude={"passages"}) if as_json else answer.answer)
        return
    stream = sys.stdin if str(jsonl) == "-" else jsonl.open(encoding="utf-8")
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            answer = assistant.ask(
                row["question"], payer=row.get("payer") or payer, setting=row.get("setting") or setting
            )
            dump = answer.model_dump(mode="json", exclude={"passages"})
            out = {**dump, "id": row.get("id", number), "answer_id": answer.id}
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            out = {"id": number, "error": f"line {number}: {exc}"}
        typer.echo(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    app()
