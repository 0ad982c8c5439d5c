"""Embedders: the bundled MiniLM (real ONNX model), the cache, and OpenAI embeddings over a recorded exchange."""

from __future__ import annotations

import json

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
