"""Pick the chat store from the settings: PostgreSQL when ``AYA_DATABASE_URL`` is set, else SQLite in the data dir."""

from __future__ import annotations

import logging

from aya.chat.store import AyaStore
from aya.core.errors import NotConfigured
from aya.core.settings import Settings

logger = logging.getLogger("aya.chat")


async def open_store(settings: Settings) -> AyaStore:
    url = settings.database_url
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise NotConfigured("AYA_DATABASE_URL must be a postgresql:// URL")
        from aya.chat.postgres_db import open_postgres_store

        store = await open_postgres_store(url)
        logger.info("chat store: PostgreSQL")
        return store
    from aya.chat.sqlite_db import open_sqlite_store

    logger.info("chat store: SQLite at %s", settings.threads_db_path)
    return await open_sqlite_store(settings.threads_db_path)
