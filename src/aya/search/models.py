"""Query and result models of product search, and the ``ProductSearch`` interface every backend implements."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aya.catalog.models import Product
from aya.catalog.vocab import Availability, FoodType, LifeStage, Species, normalize_list, normalize_strict

SearchMode = Literal["keyword", "semantic", "hybrid"]
SortBy = Literal["relevance", "price", "price_desc", "rating"]


class Filters(BaseModel):
    """Structured constraints. Vocabulary fields accept synonyms ("Grain-Free") and store canonical values."""

    model_config = ConfigDict(extra="forbid")

    species: Species | None = None
    life_stage: LifeStage | None = None
    food_type: list[FoodType] | None = None
    brand: list[str] | None = None
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)
    protein_min: float | None = Field(default=None, ge=0, le=100)
    special_features: list[str] = Field(default_factory=list)  # all of
    exclude_features: list[str] = Field(default_factory=list)  # none of ("no prescription": never a vet diet)
    target_conditions: list[str] = Field(default_factory=list)  # any of
    exclude_ingredients: list[str] = Field(default_factory=list)
    availability: Availability | None = None

    @field_validator("species", "life_stage", "availability", mode="before")
    @classmethod
    def _scalar_vocab(cls, v: object, info: object) -> object:
        if isinstance(v, str):
            name = getattr(info, "field_name", "")
            return normalize_strict(name, v)
        return v

    @field_validator("food_type", mode="before")
    @classmethod
    def _food_type(cls, v: object) -> object:
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            return normalize_list("food_type", v, strict=True) or None
        return v

    @field_validator("brand", mode="before")
    @classmethod
    def _brand(cls, v: object) -> object:
        if isinstance(v, str):
            return [v]
        return v

    @field_validator("special_features", "exclude_features", mode="before")
    @classmethod
    def _features(cls, v: object) -> object:
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            return normalize_list("special_features", v, strict=True)
        return v

    @field_validator("target_conditions", mode="before")
    @classmethod
    def _conditions(cls, v: object) -> object:
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            return normalize_list("target_conditions", v, strict=True)
        return v

    @field_validator("exclude_ingredients", mode="before")
    @classmethod
    def _exclude(cls, v: object) -> object:
        if isinstance(v, str):
            return [v]
        return v

    @model_validator(mode="after")
    def _price_range(self) -> Filters:
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise ValueError("price_min must not exceed price_max")
        return self

    def is_empty(self) -> bool:
        return self == Filters()


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field("", max_length=1000)
    filters: Filters = Field(default_factory=lambda: Filters())
    k: int = Field(10, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)
    sort: SortBy = "relevance"
    mode: SearchMode = "hybrid"
    relax: bool = Field(True, description="Let the progressive strategy relax filters when too few products match.")


class Relaxation(BaseModel):
    """One constraint the progressive strategy dropped or widened, in words the assistant can repeat."""

    filter: str
    removed: object | None = None
    replaced_by: object | None = None
    description: str


class SearchHit(BaseModel):
    product: Product
    score: float
    why: list[str] = Field(default_factory=list)


class SearchResult(BaseModel):
    hits: list[SearchHit]
    total: int
    relaxations: list[Relaxation] = Field(default_factory=list)
    took_ms: float = 0.0
    corrected_text: str | None = None  # the query text after typo correction, when it changed
    mode: SearchMode | None = None  # the mode actually used (semantic/hybrid degrade to keyword without vectors)
    notes: list[str] = Field(default_factory=list)  # e.g. why the mode degraded


class CatalogStats(BaseModel):
    total: int
    by_species: dict[str, int] = Field(default_factory=dict)
    by_food_type: dict[str, int] = Field(default_factory=dict)
    by_life_stage: dict[str, int] = Field(default_factory=dict)
    brands: int = 0
    with_embeddings: int = 0
    price_min: float | None = None
    price_max: float | None = None


class FacetCount(BaseModel):
    value: str
    count: int


class ProductLineFacet(BaseModel):
    brand: str
    line: str
    count: int


class Facets(BaseModel):
    """What the catalog holds, counted: every list is count desc, then value asc (brand, then line, for lines)."""

    brands: list[FacetCount]
    product_lines: list[ProductLineFacet]
    species: list[FacetCount]
    food_types: list[FacetCount]
    life_stages: list[FacetCount]


@runtime_checkable
class ProductSearch(Protocol):
    """Product search. One contract test suite (tests/search/contract.py) runs against every implementation."""

    async def search(self, query: SearchQuery) -> SearchResult: ...

    async def get(self, product_ids: Sequence[str]) -> list[Product]: ...

    async def similar(self, product_id: str, k: int = 5, filters: Filters | None = None) -> SearchResult: ...

    async def upsert(self, products: Iterable[Product]) -> int: ...

    async def delete(self, product_ids: Sequence[str]) -> int: ...

    async def stats(self) -> CatalogStats: ...

    async def facets(self) -> Facets: ...

    async def aclose(self) -> None: ...
