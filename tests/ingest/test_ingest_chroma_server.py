"""Client/server mode against a real Chroma server started by the test."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.store import index_exists, open_store, read_all_chunks
from ingest.pipeline import run_ingest

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_heartbeat(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("chroma server did not answer its heartbeat")


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_heartbeat(port, proc)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.mark.slow
def test_ingest_and_query_through_a_chroma_server(make_settings, chroma_server, tmp_path):
    settings = make_settings(chroma_host="127.0.0.1", chroma_port=chroma_server)
    assert not index_exists(settings)
    first = run_ingest(settings)
    assert first.errors == [] and first.added >= 21
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded locally
    assert index_exists(settings)
    assert len(read_all_chunks(settings)) == first.total_chunks

    hits = open_store(settings).similarity_search("Cigna policy summary rates 64491", k=5)
    assert any(h.metadata["doc_id"] == "payer-cigna" for h in hits)

    second = run_ingest(settings)
    assert (second.added, second.updated, second.removed) == (0, 0, 0)
    assert second.unchanged == first.added
