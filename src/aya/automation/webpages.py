"""The allow-listed web pages ``research`` reads: ``AYA_OPS_RESEARCH_URLS``, only when browsing is on and only pages
of ``AYA_OPS_BROWSE_HOSTS`` (the same check as ``browse``: http/https, no credentials, loopback only when listed).

Pages are fetched with httpx without following redirects on its own: each redirect is followed by hand, at most
:data:`MAX_REDIRECTS`, and only to an allowed URL (a redirect off the list makes the page unavailable). Bodies are read
up to :data:`MAX_BYTES`; HTML is turned into text blocks (headings, paragraphs, list items; scripts and styles
dropped) by the standard library's parser, plain text is split into paragraphs. Passages are cited by the page's URL
(and the heading above them).
"""

from __future__ import annotations

import asyncio
import logging
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import httpx

from aya.automation.browser import url_allowed
from aya.automation.passages import chunks
from aya.core.settings import Settings

logger = logging.getLogger("aya.automation")

MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT_S = 10.0
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption footer form h1 h2 h3 h4 h5 h6 header hr li main nav "
    "ol p pre section table td th tr ul".split()
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})


class PageUnavailable(Exception):
    """A listed page that could not be read, with the reason people see."""


class _TextBlocks(HTMLParser):
    """``(heading, text)`` blocks of an HTML page: the text between block-level tags under the latest heading."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self.heading = ""
        self._parts: list[str] = []
        self._skipping = 0
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCKS:
            self._flush()
            self._in_heading = tag in _HEADINGS

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self._flush()
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._parts.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        self._parts = []
        if not text:
            return
        if self._in_heading:
            self.heading = text[:200]
        else:
            self.blocks.append((self.heading, text))

    def close(self) -> None:
        super().close()
        self._flush()


def html_blocks(html: str) -> list[tuple[str, str]]:
    parser = _TextBlocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


def page_passages(url: str, content_type: str, body: str) -> list[tuple[str, str]]:
    """``(source, text)`` passages of one page, each cited by its URL (and heading)."""
    if content_type.startswith("text/plain"):
        return [(url, block) for block in chunks(body)]
    return [(f"{url} — {heading}" if heading else url, text) for heading, text in html_blocks(body)]


async def fetch_page(http: httpx.AsyncClient, url: str, hosts: list[str]) -> tuple[str, str, str]:
    """``(final_url, content_type, text)`` of an allowed page, following allowed redirects only."""
    for _ in range(MAX_REDIRECTS + 1):
        if not url_allowed(url, hosts):
            raise PageUnavailable(f"{url[:200]} is not on the allowed hosts")
        try:
            async with http.stream("GET", url, headers={"accept": ", ".join(TEXT_TYPES)}) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("location", ""))
                    continue
                if response.status_code != 200:
                    raise PageUnavailable(f"HTTP {response.status_code}")
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if content_type not in TEXT_TYPES:
                    raise PageUnavailable(f"not a text page ({content_type or 'no content type'})")
                body = bytearray()
                async for piece in response.aiter_bytes():
                    body += piece
                    if len(body) > MAX_BYTES:
                        raise PageUnavailable(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
                return url, content_type, body.decode(response.encoding or "utf-8", errors="replace")
        except httpx.HTTPError as exc:
            raise PageUnavailable(f"{type(exc).__name__}: {str(exc)[:200] or 'no answer'}") from exc
    raise PageUnavailable(f"more than {MAX_REDIRECTS} redirects")


async def fetch_pages(settings: Settings) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """Passages of every listed page (fetched at once) and the pages that could not be read: ``{url, reason}``.
    Nothing when browsing is off or no page is listed."""
    urls = settings.ops_research_urls
    if not settings.ops_browse or not urls:
        return [], []
    hosts = list(settings.ops_browse_hosts)
    async with httpx.AsyncClient(follow_redirects=False, timeout=TIMEOUT_S, trust_env=False) as http:
        results = await asyncio.gather(*(fetch_page(http, url, hosts) for url in urls), return_exceptions=True)
    passages: list[tuple[str, str]] = []
    unavailable: list[dict[str, Any]] = []
    for url, result in zip(urls, results, strict=True):
        if isinstance(result, PageUnavailable):
            unavailable.append({"url": url, "reason": str(result)})
        elif isinstance(result, BaseException):
            logger.warning("research page %s failed", url, exc_info=result)
            unavailable.append({"url": url, "reason": type(result).__name__})
        else:
            final_url, content_type, text = result
            passages.extend(page_passages(final_url, content_type, text))
    return passages, unavailable
