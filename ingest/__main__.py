"""`python -m ingest [--rebuild] [--json]`: build or refresh the vector index."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from assistant.settings import Settings, get_settings
from assistant.store import collection_name, index_exists, read_manifest
from ingest.load import FileError
from ingest.pipeline import IngestError, IngestReport, run_ingest

app = typer.Typer(add_completion=False, help=__doc__)


def _print_errors(console: Console, errors: list[FileError]) -> None:
    for err in errors:
        console.print(f"[yellow]skipped[/] {err.file}: {err.reason}", markup=True, highlight=False)


def _print_summary(console: Console, report: IngestReport) -> None:
    table = Table(show_header=True)
    table.add_column("Documents")
    table.add_column("Count", justify="right")
    for label in ("added", "updated", "removed", "unchanged", "kept"):
        table.add_row(label, str(getattr(report, label)))
    console.print(table)
    console.print(
        f"{report.total_chunks} chunks in {report.collection} "
        f"(+{report.chunks_added} / -{report.chunks_removed}) in {report.seconds:.2f} s"
    )


def _report_existing(settings: Settings, stderr: Console, as_json: bool) -> None:
    built = (read_manifest(settings) or {}).get("built_at", "unknown time")
    stderr.print(
        f"Index {collection_name(settings)} already exists (built {built}); skipped. "
        "Run `python -m ingest` to refresh it."
    )
    if as_json:
        typer.echo(json.dumps({"skipped": True, "collection": collection_name(settings)}))


@app.command()
def main(
    rebuild: bool = typer.Option(False, "--rebuild", help="Drop the collection and rebuild it."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as one JSON object."),
    if_missing: bool = typer.Option(
        False, "--if-missing", help="Do nothing when the index already exists (for `make run`)."
    ),
) -> None:
    """Load knowledge/docs, payer profiles and extra documents into the vector store."""
    stderr = Console(stderr=True)
    settings = get_settings()
    if if_missing and not rebuild and index_exists(settings):
        _report_existing(settings, stderr, as_json)
        return
    try:
        report = run_ingest(settings, rebuild=rebuild)
    except IngestError as exc:
        _print_errors(stderr, exc.errors)
        stderr.print(f"[red]Ingest failed:[/] {exc}; the existing index was not changed.")
        raise typer.Exit(1) from exc
    # Skipped files are reported but do not fail the run: the rest of the corpus is indexed.
    _print_errors(stderr, report.errors)
    if as_json:
        typer.echo(json.dumps(report.summary()))
    else:
        _print_summary(Console(), report)


if __name__ == "__main__":
    app()
