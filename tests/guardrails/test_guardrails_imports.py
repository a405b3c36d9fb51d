"""Import hygiene: the engine stays pure and light (stdlib, pydantic, PyYAML; typer in the CLI)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "guardrails"
BANNED = ("assistant", "ingest", "streamlit", "langchain", "chromadb", "sentence_transformers",
          "torch")


def is_banned(module: str) -> bool:
    top = module.split(".")[0]
    return top in BANNED or top.startswith("langchain")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) in
              ("import_module", "__import__")
              and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            names.append(node.args[0].value)
    return names


def test_banned_predicate() -> None:
    assert is_banned("langchain_core.messages") and is_banned("torch.nn") and is_banned("ingest")
    assert not is_banned("pydantic") and not is_banned("guardrails.engine")


def test_scanner_sees_dynamic_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import importlib\nimportlib.import_module('torch')\n"
                      "def f():\n    from chromadb import Client\n", encoding="utf-8")
    assert {"torch", "chromadb"} <= set(imported_modules(sample))


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_module_imports_nothing_heavy(path: Path) -> None:
    bad = [m for m in imported_modules(path) if is_banned(m)]
    assert not bad, f"{path.name} imports {bad}"


def test_package_has_modules() -> None:
    assert len(list(PACKAGE.glob("*.py"))) >= 9


PROBE = """
import sys, time
t0 = time.perf_counter()
import guardrails
elapsed = time.perf_counter() - t0
banned = {banned!r}
heavy = sorted(m for m in sys.modules
               if m.split('.')[0] in banned or m.split('.')[0].startswith('langchain'))
print(repr((elapsed, heavy)))
"""


def test_import_guardrails_is_light_and_fast() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(banned=BANNED)],
                          capture_output=True, text=True, timeout=60, check=True,
                          cwd=PACKAGE.parent)
    elapsed, heavy = ast.literal_eval(proc.stdout.strip().splitlines()[-1])
    assert heavy == [], f"import guardrails pulled in {heavy}"
    assert elapsed < 0.5, f"import guardrails took {elapsed:.3f}s"
