"""Turn one file into text: plain text, PDF (pypdf) or HTML (BeautifulSoup).

Each reader raises DocumentError with a reason a person can act on; pypdf and bs4 are
imported only when such a file is actually read.
"""

from __future__ import annotations

import re
from pathlib import Path


class DocumentError(Exception):
    """A file was rejected; the message is the reason shown to the user."""


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot be read: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise DocumentError("file is empty")
    if b"\x00" in raw:
        raise DocumentError("looks like a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Files saved by Windows editors are often cp1252; better than rejecting them.
        return raw.decode("cp1252", errors="replace")


def read_pdf(path: Path) -> tuple[str | None, str]:
    """(PDF title, Markdown with one '## Page N' section per page that has text)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    # pypdf raises many unrelated types (PdfReadError, ValueError, KeyError...) on damaged
    # files; any of them means "this PDF cannot be used", which is what we report.
    except Exception as exc:
        raise DocumentError(f"cannot read PDF: {exc or type(exc).__name__}") from exc
    sections = [f"## Page {i}\n\n{text.strip()}" for i, text in enumerate(pages, 1) if text.strip()]
    if not sections:
        raise DocumentError("PDF has no extractable text (a scanned image?)")
    return (title.strip() if isinstance(title, str) and title.strip() else None), "\n\n".join(sections)


def read_html(path: Path) -> tuple[str | None, str]:
    """(first heading or <title>, Markdown-ish text with headings kept as '#' lines)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text(path), "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(["script", "style", "noscript", "template", "head", "title"]):
        tag.decompose()
    h1 = soup.find("h1")
    title = (h1.get_text(" ", strip=True) if h1 else None) or page_title
    for level in range(1, 7):
        for heading in soup.find_all(f"h{level}"):
            heading.replace_with(f"\n\n{'#' * level} {heading.get_text(' ', strip=True)}\n\n")
    text = re.sub(r"\n\s*\n+", "\n\n", soup.get_text("\n"))
    text = "\n".join(line.strip() for line in text.splitlines()).strip()
    if not text:
        raise DocumentError("HTML page has no text")
    return title, text


def first_heading(text: str) -> str | None:
    match = re.search(r"^#{1,3}\s+(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def first_line(text: str) -> str | None:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if 0 < len(line) <= 120 else None
