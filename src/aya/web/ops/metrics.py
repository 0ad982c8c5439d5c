"""Prometheus metrics (prometheus-client): request latency, chat turns, search latency, errors, running turns.

One :class:`Metrics` per app, on its own registry (tests build many apps in one process). With several worker
processes behind one port (``aya serve --workers N``), ``PROMETHEUS_MULTIPROC_DIR`` is set before the workers start
and ``/metrics`` adds up every worker's values (prometheus-client's multiprocess mode; the running-turns gauge is a
live sum). Label values are bounded: routes are path templates (``/api/products/{product_id}``), never raw paths.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from aya.catalog.models import Product
from aya.search.models import CatalogStats, Filters, ProductSearch, SearchQuery, SearchResult

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.request_seconds = Histogram(
            "aya_http_request_duration_seconds",
            "Time from request to the end of the response (whole stream for server-sent events).",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.errors = Counter(
            "aya_http_errors_total", "Responses with a 5xx status, and requests that failed.", ["route", "status"],
            registry=r,
        )  # fmt: skip
        self.turns = Counter(
            "aya_chat_turns_total",
            "Streamed ChatKit requests by outcome (completed, error event, cancelled by the client).",
            ["outcome"],
            registry=r,
        )
        self.first_event_seconds = Histogram(
            "aya_chat_first_event_seconds",
            "Time from a streamed ChatKit request to its first event.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.running_turns = Gauge(
            "aya_chat_running_turns", "Streamed ChatKit requests in progress.", registry=r, multiprocess_mode="livesum"
        )
        self.search_seconds = Histogram(
            "aya_search_duration_seconds", "Product search latency.", ["operation"], buckets=_LATENCY_BUCKETS,
            registry=r,
        )  # fmt: skip

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition format: this process's registry, or every worker's values in multiprocess mode."""
        directory = multiprocess_dir()
        if directory is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST

    @staticmethod
    def process_exited() -> None:
        """Forget this worker's live gauges (multiprocess mode) when it shuts down."""
        if multiprocess_dir() is not None:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


class MeteredSearch:
    """A ``ProductSearch`` that times ``search``, ``similar`` and ``get`` (everything else is passed through)."""

    def __init__(self, inner: ProductSearch, metrics: Metrics) -> None:
        self.inner = inner
        self._seconds = metrics.search_seconds

    async def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        try:
            return await self.inner.search(query)
        finally:
            self._seconds.labels("search").observe(time.perf_counter() - started)

    async def similar(self, product_id: str, k: int = 5, filters: Filters | None = None) -> SearchResult:
        started = time.perf_counter()
        try:
            return await self.inner.similar(product_id, k, filters)
        finally:
            self._seconds.labels("similar").observe(time.perf_counter() - started)

    async def get(self, product_ids: Sequence[str]) -> list[Product]:
        started = time.perf_counter()
        try:
            return await self.inner.get(product_ids)
        finally:
            self._seconds.labels("get").observe(time.perf_counter() - started)

    async def upsert(self, products: Iterable[Product]) -> int:
        return await self.inner.upsert(products)

    async def delete(self, product_ids: Sequence[str]) -> int:
        return await self.inner.delete(product_ids)

    async def stats(self) -> CatalogStats:
        return await self.inner.stats()

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __getattr__(self, name: str) -> Any:  # facets() and whatever a backend offers beyond the protocol
        return getattr(self.inner, name)
