"""Embedders: the bundled MiniLM (real ONNX model), the cache, and OpenAI embeddings over a recorded exchange."""

from __future__ import annotations

import json
import logging

import httpx
import numpy as np
import pytest

from aya.core.errors import NotConfigured
from aya.core.settings import Settings
from aya.search.embedder import CachedEmbedder, EmbeddingCache, MiniLMEmbedder, OpenAIEmbedder


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


async def test_minilm_unit_vectors_and_meaning(minilm: MiniLMEmbedder) -> None:
    v = await minilm.embed(
        ["food for an old cat with kidney disease", "renal support diet for senior cats", "puppy chew toy rope"]
    )
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


async def test_cache_embeds_each_text_once(minilm: MiniLMEmbedder, tmp_path: object, settings: Settings) -> None:
    cache = EmbeddingCache(settings.embeddings_cache_path)
    emb = CachedEmbedder(minilm, cache)
    a = await emb.embed(["salmon kibble", "salmon kibble", "beef stew"])
    assert emb.computed == 2  # duplicates embedded once
    b = await emb.embed(["beef stew", "salmon kibble", "duck treats"])
    assert emb.computed == 3  # only the new text reached the model
    assert np.allclose(a[2], b[0]) and np.allclose(a[0], b[1])
    emb.close()


RECORDED = {  # the shape of a real /v1/embeddings answer, vectors shortened to 4 dimensions
    "object": "list",
    "data": [
        {"object": "embedding", "index": 1, "embedding": [0.0, 3.0, 0.0, 4.0]},
        {"object": "embedding", "index": 0, "embedding": [1.0, 0.0, 0.0, 0.0]},
    ],
    "model": "text-embedding-3-small",
    "usage": {"prompt_tokens": 6, "total_tokens": 6},
}


async def test_openai_embedder_with_recorded_exchange(data_dir: object) -> None:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(
            {"path": request.url.path, "body": json.loads(request.content), "auth": request.headers["authorization"]}
        )
        return httpx.Response(200, json=RECORDED)

    settings = Settings(data_dir=data_dir, _env_file=None, openai_api_key="sk-test-123", embedder="openai")  # type: ignore[call-arg]
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    emb = OpenAIEmbedder(settings, http_client=client)
    v = await emb.embed(["first", "second"])
    assert seen[0]["path"].endswith("/embeddings")
    assert seen[0]["body"]["model"] == "text-embedding-3-small"
    assert seen[0]["body"]["input"] == ["first", "second"]
    assert seen[0]["auth"] == "Bearer sk-test-123"
    assert np.allclose(v, [[1, 0, 0, 0], [0, 0.6, 0, 0.8]])  # ordered by index, normalized
    assert emb.dim == 4
    await client.aclose()


def test_openai_embedder_needs_a_key(settings: Settings) -> None:
    with pytest.raises(NotConfigured):
        OpenAIEmbedder(settings)


# Documented error body of an account without credit (OpenAI API reference, "Error codes": 429 insufficient_quota).
INSUFFICIENT_QUOTA = {
    "error": {
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}


def _vector_answer(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    dims = body.get("dimensions", 1536)
    data = [
        {"object": "embedding", "index": i, "embedding": [float(len(t) % 7 + 1)] + [float(i + 1)] * (dims - 1)}
        for i, t in enumerate(body["input"])
    ]
    return httpx.Response(200, json={"object": "list", "data": data, "model": body["model"], "usage": {}})


async def test_openai_embedder_sends_dimensions_and_uses_the_timeout_setting(data_dir: object) -> None:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return _vector_answer(request)

    settings = Settings(  # type: ignore[call-arg]
        data_dir=data_dir, _env_file=None, openai_api_key="sk-test-123", embedder="openai",
        openai_embedding_dimensions=8, openai_timeout_s=7.5, openai_base_url="http://proxy.test/",
    )  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        emb = OpenAIEmbedder(settings, http_client=client)
        assert emb._client.timeout == 7.5 and str(emb._client.base_url) == "http://proxy.test/v1/"
        v = await emb.embed(["a", "bb"])
    assert seen[0]["dimensions"] == 8 and v.shape == (2, 8) and emb.dim == 8
    assert emb.model_id == "openai:text-embedding-3-small@8"  # shortened vectors get their own cache keys
    default = Settings(data_dir=data_dir, _env_file=None, openai_api_key="sk-test-123", embedder="openai")  # type: ignore[call-arg]
    assert OpenAIEmbedder(default).dimensions == 1536  # sent even when not configured: the index's size


async def test_a_failing_openai_embedding_falls_back_to_keyword_search(
    data_dir: object, caplog: pytest.LogCaptureFixture
) -> None:
    """Products embedded while the service answered; then it answers 429 insufficient_quota (its documented body):
    the search still answers from keywords, says so in its notes, and logs status and code, never the message."""
    from aya.search.embedder import EmbeddingUnavailable
    from aya.search.models import SearchQuery
    from aya.search.sqlite_backend import SqliteProductSearch

    caplog.set_level(logging.INFO)  # an app built by an earlier test may have left the root logger at another level

    from .products import contract_products

    failing = False

    def handler(request: httpx.Request) -> httpx.Response:
        if failing:
            return httpx.Response(429, json=INSUFFICIENT_QUOTA, headers={"x-request-id": "req_quota_1"})
        return _vector_answer(request)

    settings = Settings(  # type: ignore[call-arg]
        data_dir=data_dir, _env_file=None, openai_api_key="sk-test-secret-999", embedder="openai",
        openai_embedding_dimensions=4,
    )  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        emb = OpenAIEmbedder(settings, http_client=client)
        search = await SqliteProductSearch.open(settings, emb)
        try:
            await search.upsert(contract_products())
            failing = True
            with pytest.raises(EmbeddingUnavailable):
                await emb.embed(["salmon"])
            result = await search.search(SearchQuery(text="salmon puppy", mode="hybrid"))
        finally:
            await search.aclose()
    assert result.hits and result.hits[0].product.id == "p1"
    assert any("fell back to keyword search: the embedding service failed" in n for n in result.notes)
    logged = caplog.text
    assert "HTTP 429 insufficient_quota (request req_quota_1)" in logged
    assert "exceeded your current quota" not in logged and "sk-test-secret" not in logged
