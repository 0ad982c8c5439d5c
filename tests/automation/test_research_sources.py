"""``research`` over PDF documents (cited by file and page) and allow-listed web pages (cited by URL): real PDF files
written by the test, real pages served by the test's own uvicorn, the real Aya server with the offline staff model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from tests.mcp.conftest import _serve_http

from aya.automation.research import rank, read_passages
from aya.automation.webpages import fetch_pages, html_blocks
from aya.core.settings import Settings

from .conftest import ServeLive, Staff, events_of, replies_of
from .pdfs import pdf_bytes

TERMS = [
    [
        "Northwind Supplier Terms 2026",
        "",
        "Orders placed before noon ship the same day from the Reno warehouse.",
        "Minimum order: 40 bags per pallet.",
    ],
    [
        "Freight",
        "",
        "Freight to Alaska and Hawaii takes 12 business days and costs a flat 85 dollars per pallet.",
        "Damaged pallets are credited in full when reported within 48 hours with photos.",
    ],
    ["Recalls", "", "In a recall we pick up every affected bag and refund the store at cost."],
]

POLICY = """<!doctype html><html><head><title>Care guide</title>
<script>var tracking = "zebra-secret-script";</script><style>.x { color: red }</style></head>
<body><nav><a href="/">Home</a></nav>
<h1>Kitten feeding guide</h1>
<p>Kittens under six months eat four small meals a day; switch to two meals after their first birthday.</p>
<h2>Raw diets</h2>
<p>We do not recommend raw diets for kittens because of salmonella risk.</p>
</body></html>"""
NOTES = "Store hours\n\nThe grooming salon opens at 9 on Saturdays and closes at 4.\n"


@pytest.fixture
def pdf_docs(ops_settings: Settings) -> Path:
    folder = ops_settings.data_dir / "store_docs"
    (folder / "suppliers").mkdir(parents=True)
    (folder / "suppliers" / "northwind-terms.pdf").write_bytes(pdf_bytes(TERMS))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not a real pdf at all")
    (folder / "returns.md").write_text("# Returns\n\nUnopened bags come back within 30 days with the receipt.\n")
    return folder


@pytest.fixture
async def site() -> AsyncIterator[str]:
    """A small web site on the test's own uvicorn: pages, an allowed and an off-list redirect, a redirect loop, an
    image, a missing page."""

    async def policy(request: Request) -> Response:
        return HTMLResponse(POLICY)

    async def notes(request: Request) -> Response:
        return PlainTextResponse(NOTES)

    async def moved(request: Request) -> Response:
        return RedirectResponse("/policy", status_code=301)

    async def away(request: Request) -> Response:  # same server, but "localhost" is not on the list
        return RedirectResponse(f"http://localhost:{request.url.port}/policy", status_code=302)

    async def loop(request: Request) -> Response:
        return RedirectResponse("/loop", status_code=302)

    async def image(request: Request) -> Response:
        return Response(b"\x89PNG\r\n\x1a\n", media_type="image/png")

    app = Starlette(
        routes=[
            Route("/policy", policy),
            Route("/notes.txt", notes),
            Route("/moved", moved),
            Route("/away", away),
            Route("/loop", loop),
            Route("/logo.png", image),
        ]
    )
    async with _serve_http(app) as base_url:
        yield base_url


def _web_settings(ops_settings: Settings, base: str, *, browse: bool = True, **extra: Any) -> Settings:
    host = base.removeprefix("http://")
    urls = [f"{base}/{p}" for p in ("policy", "notes.txt", "moved", "away", "loop", "logo.png", "missing")]
    update = {"ops_browse": browse, "ops_browse_hosts": [host], "ops_research_urls": urls, **extra}
    return ops_settings.model_copy(update=update)


def test_pdf_pages_are_passages_cited_by_page(pdf_docs: Path) -> None:
    passages = read_passages(pdf_docs)
    sources = {source for source, _ in passages}
    assert {"suppliers/northwind-terms.pdf, page 1", "suppliers/northwind-terms.pdf, page 2"} <= sources
    assert not any(source.startswith("broken.pdf") for source in sources)  # unreadable: skipped, nothing else lost
    for question, page in [
        ("how long does freight to Alaska take", 2),
        ("Hawaii pallet shipping cost", 2),
        ("what if a pallet arrives damaged", 2),
        ("when do orders ship from the warehouse", 1),
        ("minimum order bags", 1),
        ("recall refund", 3),
    ]:
        best = rank(question, passages)[0]
        assert best["source"] == f"suppliers/northwind-terms.pdf, page {page}", (question, best)
    assert rank("unopened receipt", passages)[0]["source"] == "returns.md — Returns"


async def test_research_cites_a_pdf_by_file_and_page(
    serve_live: ServeLive, ops_settings: Settings, pdf_docs: Path
) -> None:
    async with serve_live(ops_settings) as http:
        staff = Staff(http, "staff-1")
        for sentence in (
            "research freight to Alaska",
            "look up damaged pallets",
            "what are the supplier freight terms?",
        ):
            reply = replies_of(events_of(await staff.chat(sentence)))[-1]
            assert "[1]" in reply and "northwind-terms.pdf, page 2" in reply, (sentence, reply)
        reply = replies_of(events_of(await staff.chat("find in our docs the recall policy")))[-1]
        assert "northwind-terms.pdf, page 3" in reply and "refund the store at cost" in reply


def test_html_becomes_blocks_under_their_headings() -> None:
    blocks = html_blocks(POLICY)
    assert ("Kitten feeding guide", blocks[1][1]) == blocks[1] and "four small meals" in blocks[1][1]
    assert blocks[2] == ("Raw diets", "We do not recommend raw diets for kittens because of salmonella risk.")
    assert "zebra-secret-script" not in str(blocks) and "color: red" not in str(blocks)


async def test_listed_pages_are_read_and_redirects_stay_on_the_list(ops_settings: Settings, site: str) -> None:
    passages, unavailable = await fetch_pages(_web_settings(ops_settings, site))
    sources = {source for source, _ in passages}
    assert f"{site}/policy — Raw diets" in sources and f"{site}/notes.txt" in sources
    moved = [text for source, text in passages if source == f"{site}/policy — Kitten feeding guide"]
    assert len(moved) == 2  # /policy itself and /moved, which redirects to it (an allowed redirect, cited by its end)
    reasons = {u["url"].rsplit("/", 1)[1]: u["reason"] for u in unavailable}
    assert set(reasons) == {"away", "loop", "logo.png", "missing"}
    assert "not on the allowed hosts" in reasons["away"] and "localhost" in reasons["away"]
    assert "redirects" in reasons["loop"] and "image/png" in reasons["logo.png"] and "404" in reasons["missing"]
    assert "zebra-secret-script" not in str(passages)


async def test_pages_are_read_only_with_browsing_on_and_on_listed_hosts(ops_settings: Settings, site: str) -> None:
    assert await fetch_pages(_web_settings(ops_settings, site, browse=False)) == ([], [])
    other_host = _web_settings(ops_settings, site, ops_browse_hosts=["shop.example.com"])
    passages, unavailable = await fetch_pages(other_host)
    assert passages == [] and len(unavailable) == 7
    assert all("not on the allowed hosts" in u["reason"] for u in unavailable)
    hostile = _web_settings(
        ops_settings,
        site,
        ops_research_urls=["file:///etc/passwd", f"{site.replace('http://', 'http://user:pw@')}/policy", "gopher://x"],
    )
    passages, unavailable = await fetch_pages(hostile)
    assert passages == [] and len(unavailable) == 3


async def test_research_answers_from_pages_cited_by_url(
    serve_live: ServeLive, ops_settings: Settings, site: str, pdf_docs: Path
) -> None:
    async with serve_live(_web_settings(ops_settings, site)) as http:
        staff = Staff(http, "staff-1")
        for sentence in ("research how many meals do kittens eat", "look up raw diets for kittens"):
            reply = replies_of(events_of(await staff.chat(sentence)))[-1]
            assert f"{site}/policy — " in reply.split("\n")[1], (sentence, reply)
        reply = replies_of(events_of(await staff.chat("research when does the grooming salon open on Saturdays")))[-1]
        assert f"{site}/notes.txt" in reply.split("\n")[1] and "opens at 9" in reply, repr(reply)
        assert f"could not read {site}/away" in reply  # the staff member learns which listed pages failed
        reply = replies_of(events_of(await staff.chat("research freight to Hawaii")))[-1]
        assert "northwind-terms.pdf, page 2" in reply.split("\n")[1]  # documents and pages ranked together
    async with serve_live(_web_settings(ops_settings, site, browse=False)) as http:
        reply = replies_of(events_of(await Staff(http, "staff-1").chat("research raw diets for kittens")))[-1]
        assert site not in reply


def test_an_explicit_research_wins_over_words_inside_the_question() -> None:
    from aya.automation.offline import Call, parse_command

    for sentence, question in [
        ("research when does the grooming salon open on Saturdays", "when does the grooming salon open on saturdays"),
        ("Look up how to import a supplier file", "how to import a supplier file"),
        ("Find in our docs whether we run the tests before a release?", "whether we run the tests before a release"),
    ]:
        assert parse_command(sentence) == Call("research", {"question": question}), sentence
    assert parse_command("open https://shop.example.com/") == Call("browse", {"url": "https://shop.example.com/"})
