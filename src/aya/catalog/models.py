"""The denormalized product document: one per product, what search indexes and the assistant shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aya.catalog.vocab import (
    Availability,
    BreedSize,
    FoodType,
    LifeStage,
    Species,
    normalize_list,
)


def _now() -> datetime:
    return datetime.now(UTC)


class NutritionalInfo(BaseModel):
    """Guaranteed analysis, as percentages, plus energy when known."""

    model_config = ConfigDict(extra="forbid")

    protein_min: float | None = Field(None, ge=0, le=100)
    fat_min: float | None = Field(None, ge=0, le=100)
    fiber_max: float | None = Field(None, ge=0, le=100)
    moisture_max: float | None = Field(None, ge=0, le=100)
    kcal_per_kg: float | None = Field(None, ge=0)
    kcal_per_cup: float | None = Field(None, ge=0)


class Product(BaseModel):
    """One product, denormalized. Vocabulary fields hold canonical values only (see vocab.toml)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1)
    description: str = ""
    brand: str = ""
    species: Species
    life_stage: LifeStage = "all"
    food_type: FoodType = "dry"
    size: str = ""
    price: float = Field(ge=0)
    currency: str = "USD"
    availability: Availability = "in_stock"
    rating: float | None = Field(None, ge=0, le=5)
    review_count: int = Field(0, ge=0)
    ingredients: list[str] = Field(default_factory=list)
    nutritional_info: NutritionalInfo = Field(default_factory=lambda: NutritionalInfo.model_validate({}))
    special_features: list[str] = Field(default_factory=list)
    target_conditions: list[str] = Field(default_factory=list)
    searchable_text: str = ""
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)
    # optional extras
    image_url: str | None = None
    url: str | None = None
    breed_size: BreedSize | None = None
    texture: str | None = None
    package_weight_kg: float | None = Field(None, ge=0)
    price_per_kg: float | None = Field(None, ge=0)

    @field_validator("image_url")
    @classmethod
    def _https_image(cls, v: str | None) -> str | None:
        """Only an https URL without credentials: a shopper's browser fetches it (others are dropped, not stored)."""
        if v is None:
            return None
        parts = urlsplit(v.strip())
        if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc or any(c.isspace() for c in v.strip()):
            return None
        return v.strip()

    @field_validator("special_features")
    @classmethod
    def _features(cls, v: list[str]) -> list[str]:
        return normalize_list("special_features", v, strict=True)

    @field_validator("target_conditions")
    @classmethod
    def _conditions(cls, v: list[str]) -> list[str]:
        return normalize_list("target_conditions", v, strict=True)


SortOrder = Literal["relevance", "price", "price_desc", "rating"]
