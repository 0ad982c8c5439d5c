"""FastAPI dependency aliases: thin routes take what they need from here."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from aya.core.errors import NotConfigured
from aya.core.settings import Settings
from aya.search.models import ProductSearch
from aya.web.resources import Resources


def get_resources(request: Request) -> Resources:
    return request.app.state.resources  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return get_resources(request).settings


def get_search(request: Request) -> ProductSearch:
    search = get_resources(request).search
    if search is None:
        raise NotConfigured("product search is not available")
    return search


ResourcesDep = Annotated[Resources, Depends(get_resources)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SearchDep = Annotated[ProductSearch, Depends(get_search)]
