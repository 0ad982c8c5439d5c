"""``research``: passages from the store's own sources, each with where it came from.

Sources: the folder of store documents (``AYA_OPS_DOCS_DIR``: Markdown and text split into paragraphs, CSV rows as
``column: value`` lines, PDF pages split into paragraphs and cited by page), the allow-listed web pages of
``AYA_OPS_RESEARCH_URLS`` when browsing is on (:mod:`aya.automation.webpages`, cited by URL), ranked together by the
words they share with the question (rarer words weigh more), and the catalog (``ProductSearch``: its best hits).
Files are read on a worker thread; at most 200 files of at most 2 MB each (PDFs: the first 200 pages).
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aya.automation.passages import chunks, paragraphs
from aya.automation.webpages import fetch_pages
from aya.search.models import SearchQuery

if TYPE_CHECKING:
    from aya.automation.services import OpsServices

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are as at be by can do does for from how i in is it me my of on or our the this to we what when "
    "which who why with you your".split()
)
MAX_FILES = 200
MAX_BYTES = 2 * 1024 * 1024
MAX_PDF_PAGES = 200
TOP_DOCS = 3
TOP_PRODUCTS = 3


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


def pdf_passages(path: Path, name: str) -> list[tuple[str, str]]:
    """Each page's text in :func:`chunks`, cited as ``name, page N``; an unreadable or encrypted PDF gives none."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    passages: list[tuple[str, str]] = []
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            return passages
        for number, page in enumerate(reader.pages[:MAX_PDF_PAGES], start=1):
            for block in chunks(page.extract_text() or ""):
                passages.append((f"{name}, page {number}", block))
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        return passages
    return passages


def read_passages(folder: Path) -> list[tuple[str, str]]:
    """``(source, text)`` passages of every supported document under ``folder``."""
    passages: list[tuple[str, str]] = []
    if not folder.is_dir():
        return passages
    kinds = (".md", ".txt", ".csv", ".pdf")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in kinds)
    for path in files[:MAX_FILES]:
        if path.stat().st_size > MAX_BYTES:
            continue
        name = path.relative_to(folder).as_posix()
        if path.suffix.lower() == ".pdf":
            passages.extend(pdf_passages(path, name))
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix.lower() == ".csv":
            for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
                line = "; ".join(f"{k}: {v}" for k, v in row.items() if k and v)
                if line:
                    passages.append((f"{name}, line {number}", line))
            continue
        heading = ""
        for block in paragraphs(text):
            if block.startswith("#"):
                heading = block.splitlines()[0].lstrip("# ").strip()
                rest = "\n".join(block.splitlines()[1:]).strip()
                if not rest:
                    continue
                block = rest
            passages.append((f"{name} — {heading}" if heading else name, block))
    return passages


def rank(question: str, passages: list[tuple[str, str]], k: int = TOP_DOCS) -> list[dict[str, Any]]:
    query = set(_words(question))
    if not query or not passages:
        return []
    bags = [Counter(_words(text)) for _, text in passages]
    frequency = Counter(w for bag in bags for w in set(bag) if w in query)
    scored = []
    for (source, text), bag in zip(passages, bags, strict=True):
        score = sum(math.log(1 + len(passages) / frequency[w]) for w in query if w in bag)
        if score > 0:
            scored.append((score, source, text))
    scored.sort(key=lambda s: -s[0])
    return [
        {"source": source, "excerpt": " ".join(text.split())[:400], "score": round(score, 3)}
        for score, source, text in scored[:k]
    ]


async def research_sources(services: OpsServices, question: str) -> dict[str, Any]:
    """``{"citations": [...], "unavailable": [...]}``: the best passages of the documents and pages with their
    sources, then the catalog's hits; ``unavailable`` names the listed pages that could not be read, and why."""
    documents = asyncio.to_thread(read_passages, services.docs_dir)
    pages = fetch_pages(services.settings)
    passages, (page_passages, unavailable) = await asyncio.gather(documents, pages)
    found = rank(question, passages + page_passages)
    if services.search is not None:
        result = await services.search.search(SearchQuery(text=question, k=TOP_PRODUCTS))
        for hit in result.hits:
            p = hit.product
            excerpt = f"{p.title} — {p.price} {p.currency}" + (f"; {p.description[:200]}" if p.description else "")
            found.append({"source": f"catalog: {p.id}", "excerpt": excerpt, "score": round(hit.score, 3)})
    return {"citations": found, "unavailable": unavailable}
