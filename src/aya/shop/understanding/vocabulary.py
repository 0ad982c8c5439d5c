"""The shopper vocabulary (``data/vocabulary.toml``): phrase tables every extractor reads, loaded once."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def data() -> dict[str, Any]:
    text = resources.files("aya.shop.understanding").joinpath("data/vocabulary.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)
