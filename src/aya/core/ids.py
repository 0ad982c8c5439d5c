"""Prefixed, sortable ids (``thr_…``, ``msg_…``)."""

from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    """A prefixed id that sorts by creation time: ``<prefix>_<12 hex ms><10 hex random>``."""
    return f"{prefix}_{int(time.time() * 1000):012x}{secrets.token_hex(5)}"
