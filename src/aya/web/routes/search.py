"""Search routes and the search component (placeholder: the search work replaces this)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
