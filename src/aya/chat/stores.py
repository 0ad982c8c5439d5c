"""Pick the chat store from the settings: PostgreSQL when ``AYA_DATABASE_URL`` is set, else SQLite in the data dir.

A ``schema`` query parameter (``postgresql://host/db?schema=aya``) keeps Aya's tables in their own PostgreSQL schema.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aya.chat.store import AyaStore
from aya.core.errors import NotConfigured
from aya.core.settings import Settings

logger = logging.getLogger("aya.chat")


def split_schema(url: str) -> tuple[str, str | None]:
    """``postgresql://…?schema=aya`` → the URL without ``schema``, and the schema (created when missing)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((value for key, value in query if key == "schema"), None)
    rest = urlencode([(key, value) for key, value in query if key != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema or None


async def open_store(settings: Settings) -> AyaStore:
    url = settings.database_url
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise NotConfigured("AYA_DATABASE_URL must be a postgresql:// URL")
        from aya.chat.postgres_db import open_postgres_store

        dsn, schema = split_schema(url)
        store = await open_postgres_store(dsn, schema=schema)
        logger.info("chat store: PostgreSQL (schema %s)", schema or "public")
        return store
    from aya.chat.sqlite_db import open_sqlite_store

    logger.info("chat store: SQLite at %s", settings.threads_db_path)
    return await open_sqlite_store(settings.threads_db_path)
