"""Aya's shop tools: plain typed async functions over :class:`~aya.search.models.ProductSearch`.

Shared by the chat agent (wrapped in :mod:`aya.shop.agent`), the voice pipeline (``POST /api/tools/{name}``) and the
MCP server, so nothing here knows about the Agents SDK or ChatKit. Each tool takes one pydantic argument model and
returns one pydantic result model; results are bounded in size (at most ``MAX_K`` products, trimmed text).

``TOOLS`` maps each tool name to ``(argument model, function, description)`` for callers that dispatch by name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aya.catalog.models import Product
from aya.catalog.packages import recipe_key, recipe_name
from aya.catalog.vocab import BreedSize, FoodType, LifeStage, SpecialFeature, Species, TargetCondition
from aya.core.errors import BadRequest, NotFound
from aya.search.exclusions import excluded
from aya.search.models import Filters, ProductSearch, Relaxation, SearchQuery, SearchResult
from aya.shop.knowledge import parse_package
from aya.shop.profile import (
    FOOD_TYPE_WORDS,
    MAX_AVOID,
    PetProfile,
    condition_phrase,
    feature_phrase,
    join_words,
)
from aya.shop.safety.claims import honest_conditions
from aya.shop.safety.diets import is_vet_label

logger = logging.getLogger("aya.shop")

MAX_K = 10
EXTRAS = frozenset({"treat", "topper"})
_TEXT_MAX = 160
_DESCRIPTION_MAX = 900


# --- results -----------------------------------------------------------------------------------------------------


class ProductSummary(BaseModel):
    """A product as the assistant and the cards see it: the facts that matter, bounded in size."""

    id: str
    title: str
    brand: str
    species: str
    life_stage: str
    food_type: str
    breed_size: str | None = None
    size: str = ""
    price: float
    currency: str = "USD"
    availability: str = "in_stock"
    rating: float | None = None
    review_count: int = 0
    special_features: list[str] = Field(default_factory=list)
    target_conditions: list[str] = Field(default_factory=list)
    protein_min: float | None = None
    fat_min: float | None = None
    kcal_per_cup: float | None = None
    kcal_per_kg: float | None = None
    main_ingredients: list[str] = Field(default_factory=list)
    image_url: str | None = None
    url: str | None = None
    matched: list[str] = Field(default_factory=list, description="Why search matched it.")
    caution: str | None = Field(default=None, description="A safety caution to pass on (aya.shop.safety).")

    @classmethod
    def of(cls, product: Product, matched: Sequence[str] = ()) -> ProductSummary:
        nutrition = product.nutritional_info
        return cls(
            id=product.id,
            title=_trim(product.title, _TEXT_MAX),
            brand=product.brand,
            species=product.species,
            life_stage=product.life_stage,
            food_type=product.food_type,
            breed_size=product.breed_size,
            size=_trim(product.size, 40),
            price=round(product.price, 2),
            currency=product.currency,
            availability=product.availability,
            rating=product.rating if product.review_count > 0 else None,  # honest: a rating only with reviews
            review_count=product.review_count,
            special_features=list(product.special_features),
            # honest claims: a condition only a flavour name suggests ("Lights Out!") is not claimed
            target_conditions=honest_conditions(product.title, product.description, product.target_conditions),
            protein_min=nutrition.protein_min,
            fat_min=nutrition.fat_min,
            kcal_per_cup=nutrition.kcal_per_cup,
            kcal_per_kg=nutrition.kcal_per_kg,
            main_ingredients=[_trim(i, 40) for i in product.ingredients[:5]],
            image_url=product.image_url,
            url=product.url,
            matched=[_trim(w, 80) for w in list(matched)[:3]],
        )


class ProductDetails(ProductSummary):
    safety_notes: list[str] = Field(default_factory=list, description="Safety notes Aya must pass on, verbatim.")
    description: str = ""
    ingredients: list[str] = Field(default_factory=list)
    fiber_max: float | None = None
    moisture_max: float | None = None
    package_weight_kg: float | None = None
    price_per_kg: float | None = None

    @classmethod
    def of_product(cls, product: Product) -> ProductDetails:
        base = ProductSummary.of(product).model_dump()
        return cls(
            **base,
            description=_trim(product.description, _DESCRIPTION_MAX),
            ingredients=[_trim(i, 60) for i in product.ingredients[:40]],
            fiber_max=product.nutritional_info.fiber_max,
            moisture_max=product.nutritional_info.moisture_max,
            package_weight_kg=product.package_weight_kg,
            price_per_kg=product.price_per_kg,
        )


class SearchProductsResult(BaseModel):
    safety_notes: list[str] = Field(default_factory=list, description="Safety notes Aya must pass on, verbatim.")
    products: list[ProductSummary]
    total: int
    relaxations: list[str] = Field(default_factory=list, description="Constraints that were relaxed, in words.")
    looked_for: str = Field(default="", description="What was searched for, in words.")


class Pick(BaseModel):
    product: ProductSummary
    reason: str
    score: float


class RecommendationsResult(BaseModel):
    safety_notes: list[str] = Field(default_factory=list, description="Safety notes Aya must pass on, verbatim.")
    picks: list[Pick]
    profile: PetProfile
    life_stage: str | None = Field(default=None, description="The life stage the picks were chosen for.")
    relaxations: list[str] = Field(default_factory=list)
    looked_for: str = ""


class ComparisonRow(BaseModel):
    label: str
    values: list[str]


class ComparisonResult(BaseModel):
    safety_notes: list[str] = Field(default_factory=list, description="Safety notes Aya must pass on, verbatim.")
    products: list[ProductSummary]
    rows: list[ComparisonRow]
    highlights: list[str] = Field(default_factory=list)


class SimilarResult(BaseModel):
    safety_notes: list[str] = Field(default_factory=list, description="Safety notes Aya must pass on, verbatim.")
    base: ProductSummary
    products: list[ProductSummary]
    relaxations: list[str] = Field(default_factory=list)


# --- arguments ---------------------------------------------------------------------------------------------------

SortChoice = Literal["relevance", "price", "price_desc", "rating"]


class SearchProductsArgs(BaseModel):
    """Search the catalog with text and filters in the catalog vocabulary."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(default="", max_length=300, description="Free text, e.g. 'salmon kibble for a large dog'.")
    species: Species | None = Field(default=None, description="dog or cat.")
    life_stage: LifeStage | None = Field(default=None, description="puppy, kitten, adult, senior.")
    food_type: list[FoodType] | None = Field(default=None, description="Food types to include, e.g. ['wet'].")
    brand: list[str] | None = Field(default=None, description="Brands to include.")
    price_min: float | None = Field(default=None, ge=0, description="Lowest price in dollars.")
    price_max: float | None = Field(default=None, ge=0, description="Highest price in dollars.")
    special_features: list[SpecialFeature] = Field(default_factory=list, description="Features required (all of).")
    target_conditions: list[TargetCondition] = Field(default_factory=list, description="Health needs (any of).")
    exclude_ingredients: list[str] = Field(default_factory=list, description="Ingredients to avoid, e.g. chicken.")
    exclude_brands: list[str] = Field(default_factory=list, description="Brands the shopper refused.")
    exclude_food_types: list[FoodType] = Field(default_factory=list, description="Food types to leave out.")
    exclude_features: list[SpecialFeature] = Field(
        default_factory=list,
        description="Labels to leave out, e.g. ['prescription'] when the shopper has no prescription.",
    )
    price_per_can_max: float | None = Field(
        default=None, ge=0, description="Highest price per can of a case, in dollars ('$1 a can max')."
    )
    exclude_textures: list[str] = Field(
        default_factory=list, max_length=10, description="Wet-food textures the pet refuses, e.g. ['pate']."
    )
    breed_size: BreedSize | None = Field(
        default=None,
        description="The dog's size: food made for a conflicting size (large-breed for a toy) is left out.",
    )
    sort: SortChoice = Field(
        default="relevance", description="relevance, price (cheapest first), price_desc or rating."
    )
    k: int = Field(default=5, ge=1, le=MAX_K, description="How many products to return.")

    @field_validator("exclude_ingredients")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(i.strip().lower() for i in v if i.strip()))

    def filters(self) -> Filters:
        try:
            return Filters.model_validate(
                {
                    "species": self.species,
                    "life_stage": self.life_stage,
                    "food_type": self.food_type or None,
                    "brand": self.brand or None,
                    "price_min": self.price_min,
                    "price_max": self.price_max,
                    "special_features": list(self.special_features),
                    "target_conditions": list(self.target_conditions),
                    "exclude_ingredients": [i.strip().lower() for i in self.exclude_ingredients if i.strip()],
                    "exclude_features": list(self.exclude_features),
                }
            )
        except ValueError as exc:
            raise BadRequest(str(exc), field="price_max") from exc


class ProductIdArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=200, description="The product id, as shown on its card.")


class RecommendationArgs(BaseModel):
    """Rank picks for one pet."""

    model_config = ConfigDict(extra="forbid")

    profile: PetProfile = Field(description="What we know about the pet and the shopper's wishes.")
    query: str = Field(default="", max_length=300, description="Extra words to search for (flavor, protein, texture).")
    sort: SortChoice = Field(
        default="relevance", description="relevance, price (cheapest first), price_desc or rating."
    )
    k: int = Field(default=3, ge=1, le=MAX_K, description="How many picks to return.")
    exclude_ids: list[str] = Field(
        default_factory=list, max_length=30, description="Product ids to leave out (for example, already shown)."
    )


class CompareArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[str] = Field(min_length=2, max_length=4, description="Two to four product ids to compare.")


class SimilarArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=200, description="The product to find alternatives to.")
    k: int = Field(default=4, ge=1, le=MAX_K, description="How many similar products to return.")
    cheaper: bool = Field(default=False, description="Only products cheaper than this one.")
    exclude_ingredients: list[str] = Field(
        default_factory=list, max_length=MAX_AVOID, description="Ingredients the pet must avoid (e.g. chicken)."
    )


# --- the tools ---------------------------------------------------------------------------------------------------


async def search_products(search: ProductSearch, args: SearchProductsArgs) -> SearchProductsResult:
    """Search the catalog; products always match the species and never contain an excluded ingredient."""
    filters = args.filters()
    # over-fetch: package sizes of one recipe collapse into one hit, and k distinct recipes are wanted
    result = await search.search(_query(text=args.query, filters=filters, k=min(100, args.k * 4 + 5), sort=args.sort))
    hits = dedupe_variants(_safe_hits(result, filters, args))[: args.k]
    return SearchProductsResult(
        products=[ProductSummary.of(p, why) for p, why in hits],
        total=result.total,
        relaxations=_relaxation_words(result.relaxations),
        looked_for=describe_search(args),
    )


async def get_product_details(search: ProductSearch, args: ProductIdArgs) -> ProductDetails:
    products = await search.get([args.product_id])
    if not products:
        raise NotFound(f"no product with id {args.product_id!r}", field="product_id")
    return ProductDetails.of_product(products[0])


async def get_recommendations(search: ProductSearch, args: RecommendationArgs) -> RecommendationsResult:
    """Ranked picks for a pet profile, each with a reason that ties it to the stated needs."""
    profile = args.profile
    stage = profile.effective_life_stage()
    search_args = profile_search_args(profile, query=args.query, sort=args.sort, k=MAX_K)
    hits, relaxations = await _candidates(search, search_args, profile, args)
    if not set(profile.food_types) & EXTRAS:
        meals = [(p, why) for p, why in hits if p.food_type not in EXTRAS]
        hits = meals or hits  # treats and toppers are not a meal unless asked for
    if profile.product_lines and hits:
        # the line named ("z/d", "Wilderness") is what was asked: another line is no padding (for a vet diet it is
        # another prescription); none of it found is said
        in_line = [(p, why) for p, why in hits if _in_line(p, profile.product_lines)]
        if not in_line:
            named = join_words(profile.product_lines, "or")
            relaxations = [*relaxations, f"found nothing of {named}, so showed others"]
        hits = in_line or hits
    picks: list[Pick] = []
    n = max(1, len(hits))
    flavors = [w for w in args.query.lower().split() if len(w) >= 3]
    for rank, (product, _why) in enumerate(hits):
        score = _fit_score(product, profile, stage, rank, n, args.sort)
        if flavors and any(f in product.title.lower() for f in flavors):
            score += 2.0  # the flavor asked for, in the product's name
        summary = ProductSummary.of(product)
        picks.append(Pick(product=summary, reason=fit_reason(summary, profile, stage), score=score))
    if args.sort == "relevance":
        picks.sort(key=lambda p: -p.score)
    seen: set[tuple[str, str]] = set()
    unique: list[Pick] = []
    for pick in picks:  # one size per recipe: the best-fitting one
        key = (pick.product.brand.lower(), pick.product.title.split(", ")[0].lower())
        if key not in seen:
            seen.add(key)
            unique.append(pick)
    picks = unique
    return RecommendationsResult(
        picks=picks[: args.k],
        profile=profile,
        life_stage=stage,
        relaxations=relaxations,
        looked_for=describe_search(search_args),
    )


async def _candidates(
    search: ProductSearch, search_args: SearchProductsArgs, profile: PetProfile, args: RecommendationArgs
) -> tuple[list[tuple[Product, list[str]]], list[str]]:
    """Products meeting everything asked, even if only one or two (no padding with near misses); when none does,
    first drop what was only inferred (a life stage read from the age), then the progressive strategy's steps,
    each said in words. The words a profile adds to the text (life stage, breed size) rank, they never exclude."""
    k = min(100, max(60, args.k * 10) + len(args.exclude_ids))
    excluded = set(args.exclude_ids)
    wished = " ".join([args.query.strip(), *profile.product_lines]).strip()

    async def run(filters: Filters, relax: bool) -> tuple[list[tuple[Product, list[str]]], SearchResult]:
        texts = [search_args.query] if relax else list(dict.fromkeys([search_args.query, wished]))
        hits: list[tuple[Product, list[str]]] = []
        seen: set[str] = set()
        result: SearchResult | None = None
        for text in texts:
            result = await search.search(_query(text=text, filters=filters, k=k, sort=args.sort, relax=relax))
            for p, why in _safe_hits(result, filters, search_args):
                if p.id not in excluded and p.id not in seen:
                    seen.add(p.id)
                    hits.append((p, why))
            if len(dedupe_variants(hits)) >= args.k:
                break
        assert result is not None
        return hits, result

    filters = search_args.filters()
    hits, _ = await run(filters, relax=False)
    if hits:
        return hits, []
    if filters.life_stage is not None and (profile.life_stage is None or profile.conditions):
        # the stage came from the age, or a health need outranks it (kidney diets are sold as adult food)
        loose = filters.model_copy(update={"life_stage": None})
        hits, _ = await run(loose, relax=False)
        if hits:
            return hits, [f"included food for other life stages than {filters.life_stage}"]
    said: list[str] = []
    for loose, words in explicit_last_steps(filters):
        said.append(words)
        hits, _ = await run(loose, relax=False)
        if hits:
            return hits, said[-6:]
    hits, result = await run(filters, relax=True)
    return hits, _relaxation_words(result.relaxations)


def explicit_last_steps(f: Filters) -> Iterator[tuple[Filters, str]]:
    """Looser filters, cumulative, each with what it relaxed in words: the price, then preferences (features, the
    last asked first), then health needs, and only then what the shopper named explicitly: life stage, food type,
    brand. Species, excluded ingredients and refused brands are never relaxed."""
    cur = f
    if cur.price_max is not None:
        hi = round(cur.price_max * 1.25, 2)
        cur = cur.model_copy(update={"price_max": hi})
        yield cur, f"raised the price limit from ${f.price_max:.2f} to ${hi:.2f}"
        cur = cur.model_copy(update={"price_max": None, "price_min": None})
        yield cur, "ignored the price range"
    features = list(cur.special_features)
    while features:
        dropped = features.pop()
        cur = cur.model_copy(update={"special_features": list(features)})
        yield cur, f"included products that are not {feature_phrase(dropped)}"
    if cur.target_conditions:
        names = join_words([condition_phrase(c) for c in cur.target_conditions], "or")
        cur = cur.model_copy(update={"target_conditions": []})
        yield cur, f"included products not specifically made for {names}"
    if cur.life_stage:
        stage = cur.life_stage
        cur = cur.model_copy(update={"life_stage": None})
        yield cur, f"included food for other life stages than {stage}"
    if cur.food_type:
        names = join_words([FOOD_TYPE_WORDS.get(t, t) for t in cur.food_type], "or")
        cur = cur.model_copy(update={"food_type": None})
        yield cur, f"included food types other than {names}"
    if cur.brand:
        brands = join_words(list(cur.brand), "or")
        yield cur.model_copy(update={"brand": None}), f"included other brands than {brands}"


async def products_by_ids(search: ProductSearch, ids: Sequence[str]) -> list[Product]:
    """The products of ``ids`` in that order, each once; a NotFound naming every id the catalog does not have."""
    ids = list(dict.fromkeys(ids))
    found = {p.id: p for p in await search.get(ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"no product with id {', '.join(missing)}", field="product_ids")
    return [found[i] for i in ids]


async def compare_products(search: ProductSearch, args: CompareArgs) -> ComparisonResult:
    ids = list(dict.fromkeys(args.product_ids))
    if len(ids) < 2:
        raise BadRequest("compare needs two different product ids", field="product_ids")
    products = await products_by_ids(search, ids)
    summaries = [ProductSummary.of(p) for p in products]
    rows = [
        ComparisonRow(label="Brand", values=[p.brand or "-" for p in products]),
        ComparisonRow(label="Price", values=[f"${p.price:.2f}" for p in products]),
        ComparisonRow(label="Size", values=[p.size or "-" for p in products]),
        ComparisonRow(label="Life stage", values=[p.life_stage for p in products]),
        ComparisonRow(label="Food type", values=[FOOD_TYPE_WORDS.get(p.food_type, p.food_type) for p in products]),
        ComparisonRow(label="Rating", values=[_rating_text(p) for p in products]),
        ComparisonRow(label="Protein", values=[_pct(p.nutritional_info.protein_min) for p in products]),
        ComparisonRow(label="Fat", values=[_pct(p.nutritional_info.fat_min) for p in products]),
        ComparisonRow(label="Calories", values=[_kcal(p) for p in products]),
        ComparisonRow(
            label="Features",
            values=[", ".join(feature_phrase(f) for f in p.special_features[:4]) or "-" for p in products],
        ),
        ComparisonRow(
            label="Health",
            values=[", ".join(condition_phrase(c) for c in p.target_conditions[:3]) or "-" for p in products],
        ),
    ]
    # no empty fields: a row nobody has a value for is left out, a missing value reads "not listed"
    rows = [
        r.model_copy(update={"values": [v if v != "-" else "not listed" for v in r.values]})
        for r in rows
        if any(v != "-" for v in r.values)
    ]
    return ComparisonResult(products=summaries, rows=rows, highlights=_highlights(products))


async def find_similar(search: ProductSearch, args: SimilarArgs) -> SimilarResult:
    products = await search.get([args.product_id])
    if not products:
        raise NotFound(f"no product with id {args.product_id!r}", field="product_id")
    base = products[0]
    filters = Filters.model_validate(
        {
            "species": base.species,
            # a puppy food's alternatives are for puppies too (an all-stages product matches any stage)
            "life_stage": base.life_stage if base.life_stage != "all" else None,
            "price_max": round(base.price - 0.01, 2) if args.cheaper else None,
            "exclude_ingredients": args.exclude_ingredients,
        }
    )
    result = await search.similar(base.id, k=min(3 * MAX_K, args.k * 3 + 6), filters=filters)
    same_recipe = recipe_key(base.brand, base.title, base.size)
    hits = [
        (p, why)
        for p, why in dedupe_variants(_safe_hits(result, filters))
        if p.id != base.id and recipe_key(p.brand, p.title, p.size) != same_recipe
    ][: args.k]
    return SimilarResult(
        base=ProductSummary.of(base),
        products=[ProductSummary.of(p, why) for p, why in hits],
        relaxations=_relaxation_words(result.relaxations),
    )


@dataclass(frozen=True)
class ToolSpec:
    name: str
    args: type[BaseModel]
    func: Callable[[ProductSearch, Any], Awaitable[BaseModel]]
    description: str


TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            "search_products",
            SearchProductsArgs,
            search_products,
            "Search the pet food catalog with free text and filters (species, life stage, food type, brand, price, "
            "features, health conditions, ingredients to avoid). Returns products with ids, prices, ratings, and the "
            "constraints that had to be relaxed.",
        ),
        ToolSpec(
            "get_product_details",
            ProductIdArgs,
            get_product_details,
            "Full details of one product by id: description, ingredients, guaranteed analysis, calories, package.",
        ),
        ToolSpec(
            "get_recommendations",
            RecommendationArgs,
            get_recommendations,
            "Ranked picks for one pet from its profile (species, age, breed or size, health conditions, food type, "
            "budget, ingredients to avoid), each with the reason it fits.",
        ),
        ToolSpec(
            "compare_products",
            CompareArgs,
            compare_products,
            "Compare two to four products side by side (price, protein, fat, calories, rating, features).",
        ),
        ToolSpec(
            "find_similar",
            SimilarArgs,
            find_similar,
            "Products similar to a given product (same species), optionally only cheaper ones.",
        ),
    )
}


async def call_tool(search: ProductSearch, name: str, arguments: dict[str, Any]) -> BaseModel:
    """Validate ``arguments`` for tool ``name`` and run it (voice and MCP dispatch through this)."""
    spec = TOOLS.get(name)
    if spec is None:
        raise NotFound(f"no tool named {name!r}; tools: {', '.join(TOOLS)}", field="name")
    args = spec.args.model_validate(arguments)
    return await spec.func(search, args)


# --- helpers -----------------------------------------------------------------------------------------------------


LIFESTYLE_CONDITIONS = frozenset({"indoor"})  # a way of life, not a health need


def profile_search_args(
    profile: PetProfile, *, query: str = "", sort: SortChoice = "relevance", k: int = 5
) -> SearchProductsArgs:
    """The search a pet profile implies: hard filters for species, stage, type, budget, exclusions, conditions."""
    stage = profile.effective_life_stage()
    words = [query.strip()] if query.strip() else []
    words += [line for line in profile.product_lines if line.lower() not in query.lower()]
    if profile.breed_size and profile.breed_size != "all" and profile.species == "dog":
        words.append(f"{'small' if profile.breed_size == 'toy' else profile.breed_size} breed")
    if stage in ("puppy", "kitten", "senior"):
        words.append(stage)  # ranks food made for this stage above all-life-stage food
    # a lifestyle ranks, a health need filters: "keeps getting utis ... indoor" must not be met by indoor food alone
    needs = [c for c in profile.conditions if c not in LIFESTYLE_CONDITIONS] or list(profile.conditions)
    words += [c.replace("_", " ") for c in profile.conditions if c not in needs]
    return SearchProductsArgs(
        query=" ".join(words),
        species=profile.species,
        life_stage=stage if stage not in (None, "all") else None,
        food_type=list(profile.food_types) or None,
        brand=list(profile.brands) or None,
        price_max=profile.budget_max if profile.budget_per is None else None,
        price_per_can_max=profile.budget_max if profile.budget_per == "can" else None,
        special_features=list(profile.features),
        target_conditions=needs,
        exclude_ingredients=list(profile.avoid_ingredients),
        exclude_brands=list(profile.avoid_brands),
        exclude_food_types=list(profile.avoid_food_types),
        exclude_features=list(profile.avoid_features),
        exclude_textures=list(profile.avoid_textures),
        breed_size=profile.breed_size if profile.species == "dog" else None,
        sort=sort,
        k=min(MAX_K, max(1, k)),
    )


def describe_search(args: SearchProductsArgs) -> str:
    """Words for what a search looks for: "grain-free senior cat food under $30 without chicken"."""
    words: list[str] = [feature_phrase(f) for f in args.special_features]
    if args.life_stage and args.life_stage != "all":
        words.append(args.life_stage)
    treats = args.food_type == ["treat"]
    if args.food_type and not treats:
        words.append(join_words([FOOD_TYPE_WORDS.get(t, t) for t in args.food_type], "or"))
    if args.brand:
        words.append(join_words(list(args.brand), "or"))
    if args.species:
        words.append(args.species)
    words.append("treats" if treats else "food")
    text = " ".join(w for w in words if w)
    extra = " ".join(w for w in args.query.split() if w not in ("puppy", "kitten", "senior"))
    if extra and (not args.species or len(extra.split()) <= 3):
        text = f"{extra} {text}" if text != "food" else extra
    if args.target_conditions:
        text += " for " + join_words([condition_phrase(c) for c in args.target_conditions])
    if args.price_max is not None:
        text += f" under ${args.price_max:g}"
    if args.exclude_ingredients:
        text += " without " + join_words(list(args.exclude_ingredients), "or")
    return text.strip()


def contains_ingredient(product: Product, ingredient: str) -> bool:
    """Whether the product contains ``ingredient`` or anything of its family ("chicken" also means poultry
    by-product meal), on whole words, in its ingredients or title (see :mod:`aya.catalog.ingredients`)."""
    return excluded(product, [ingredient])


def dedupe_variants(hits: list[tuple[Product, list[str]]]) -> list[tuple[Product, list[str]]]:
    """One product per recipe: the sizes of one recipe ("…, 5-lb bag" / "…, 15-lb bag") count once (first kept)."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[Product, list[str]]] = []
    for product, why in hits:
        key = recipe_key(product.brand, product.title, product.size)
        if key not in seen:
            seen.add(key)
            out.append((product, why))
    return out


def _query(*, text: str, filters: Filters, k: int, sort: str, relax: bool = True) -> SearchQuery:
    return SearchQuery.model_validate({"text": text, "filters": filters, "k": k, "sort": sort, "relax": relax})


def _safe_hits(
    result: SearchResult, filters: Filters, args: SearchProductsArgs | None = None
) -> list[tuple[Product, list[str]]]:
    """Hits that keep the non-negotiable constraints even after relaxation: species, excluded ingredients, refused
    brands and food types, and the dog's size (no large-breed kibble for a toy poodle)."""
    refused = {b.lower() for b in args.exclude_brands} if args else set()
    out: list[tuple[Product, list[str]]] = []
    for hit in result.hits:
        product = hit.product
        if filters.species is not None and product.species != filters.species:
            continue
        if any(contains_ingredient(product, i) for i in filters.exclude_ingredients):
            continue
        if filters.exclude_ingredients and not product.ingredients:
            continue  # an allergy cannot be checked against a label we do not have ("surprise treat box")
        if args is not None:
            if product.brand.lower() in refused or product.food_type in args.exclude_food_types:
                continue
            if "prescription" in args.exclude_features and is_vet_label(product.title, product.special_features):
                continue  # no prescription: a vet diet named only by its title is left out too
            if args.exclude_textures and _has_texture(product.title, args.exclude_textures):
                continue  # "she doesn't like pate"
            if args.price_per_can_max is not None and not _per_can_within(product, args.price_per_can_max):
                continue  # "$1 a can max": a case of 24 at $15.36 is $0.64 a can
            if args.breed_size and sizes_conflict(args.breed_size, sized_for(product)):
                continue
        out.append((product, list(hit.why)))
    return out


def _per_can_within(product: Product, most: float) -> bool:
    """Whether a product of cans costs at most ``most`` per can (a bag has no price per can)."""
    _kg, cans, _oz = parse_package(product.size, product.title)
    if not cans and re.search(r"\b(?:can|pouch|tray|cup)\b", f"{product.size} {product.title}".lower()):
        cans = 1  # one can sold alone
    return cans is not None and cans > 0 and product.price / cans <= most + 1e-9


def _has_texture(title: str, textures: Sequence[str]) -> bool:
    words = re.sub(r"[^a-z ]", " ", title.lower().replace("pâté", "pate"))
    return any(re.search(rf"\b{re.escape(t)}s?\b", words) for t in textures)


_SIZED_TITLE = (
    ("giant", re.compile(r"\bgiant breeds?\b")),
    ("large", re.compile(r"\blarge (?:breeds?|bites|dogs?)\b|\blarge (?:&|and) giant\b|\blarge breed\b")),
    ("toy", re.compile(r"\btoy (?:breeds?|dogs?)\b")),
    (
        "small",
        re.compile(
            r"\bsmall (?:breeds?|bites|dogs?|paws)\b|\bmini(?:s|ature)?\b|\bsmall (?:&|and) toy\b|"
            r"\blittle bites\b|\bpetite\b"
        ),
    ),
)


def sized_for(product: Product) -> str | None:
    """The dog size a product is made for: its title's words first ("Large Breed"), then its breed size."""
    title = product.title.lower()
    for size, pattern in _SIZED_TITLE:
        if pattern.search(title):
            return size
    return product.breed_size if product.breed_size not in (None, "all") else None


def sizes_conflict(pet: str, product: str | None) -> bool:
    """Food for small dogs and food for large dogs do not cross over (medium dogs eat either)."""
    small, big = {"toy", "small"}, {"large", "giant"}
    return product is not None and ((pet in small and product in big) or (pet in big and product in small))


def _relaxation_words(relaxations: Sequence[Relaxation]) -> list[str]:
    return [_trim(r.description, 200) for r in relaxations[:6]]


def _in_line(product: Product, lines: list[str]) -> bool:
    title = f"{product.title} {product.product_line or ''}".lower()
    return any(line.lower() in title for line in lines)


def _fit_score(product: Product, profile: PetProfile, stage: str | None, rank: int, n: int, sort: str) -> float:
    """How well a candidate fits the pet: search rank, then every stated need (relaxed ones still count here)."""
    score = 2.0 * (1.0 - rank / n)
    score += 2.5 * len(set(product.target_conditions) & set(profile.conditions))
    score += 1.0 * len(set(product.special_features) & set(profile.features))
    if stage is not None:
        score += 1.5 if product.life_stage == stage else 0.5 if product.life_stage == "all" else -2.0
    if profile.breed_size and profile.breed_size != "all" and profile.species == "dog":
        made_for = sized_for(product)
        same = {"toy": {"toy", "small"}, "small": {"toy", "small"}}.get(profile.breed_size, {profile.breed_size})
        if made_for in same:
            score += 1.5
        elif made_for is not None:
            score -= 3.0  # kibble sized for a chihuahua is wrong for a husky
    if "prescription" in product.special_features and "prescription" not in profile.features:
        vet_asked = any(b.lower() in product.brand.lower() for b in profile.brands) or profile.product_lines
        if not vet_asked:
            score -= 4.0  # a veterinary diet needs the vet's word: never the first suggestion unasked
    if profile.product_lines:
        score += 2.0 if _in_line(product, profile.product_lines) else -0.5
    if profile.food_types:
        score += 2.0 if product.food_type in profile.food_types else -2.0
    if profile.brands:
        score += 2.0 if product.brand in profile.brands else -2.0
    if profile.budget_max is not None and product.price > profile.budget_max:
        score -= 3.0
    if product.rating is not None:
        score += (product.rating - 4.0) * 0.8 * min(1.0, product.review_count / 50)
    if product.availability != "in_stock":
        score -= 1.0
    return round(score, 3)


def fit_reason(product: ProductSummary, profile: PetProfile, stage: str | None = None) -> str:
    """Why this product fits the pet, in a short clause built from facts only."""
    stage = stage or profile.effective_life_stage()
    parts: list[str] = []
    if stage and product.life_stage == stage and stage != "all":
        parts.append(f"made for {stage}s" if stage not in ("puppy",) else "made for puppies")
    elif stage and product.life_stage == "all":
        parts.append("suits all life stages")
    matched = [c for c in profile.conditions if c in product.target_conditions]
    if matched:
        parts.append("formulated for " + join_words([condition_phrase(c) for c in matched]))
    if profile.breed_size and product.breed_size == profile.breed_size:
        parts.append(f"sized for {profile.breed_size} breeds")
    feats = [f for f in profile.features if f in product.special_features]
    if feats:
        parts.append(join_words([feature_phrase(f) for f in feats]))
    if profile.food_types and product.food_type in profile.food_types:
        parts.append(f"{FOOD_TYPE_WORDS.get(product.food_type, product.food_type)} as you asked")
    if profile.avoid_ingredients:
        avoided = list(profile.avoid_ingredients)
        parts.append("no " + join_words(avoided, "or") if len(avoided) <= 3 else "none of the ingredients you avoid")
    if profile.budget_max is not None and product.price <= profile.budget_max:
        parts.append(f"${product.price:.2f}, under ${profile.budget_max:g}")
    if product.rating is not None and product.review_count >= 5:
        parts.append(f"rated {product.rating:.1f} by {product.review_count:,} shoppers")
    if not parts:
        protein = product.protein_min
        parts.append(f"{protein:g}% protein" if protein else f"a well-matched {product.species} food")
    return "; ".join(parts[:5])


def _highlights(products: Sequence[Product]) -> list[str]:
    out: list[str] = []
    cheapest = min(products, key=lambda p: p.price)
    out.append(f"Cheapest: {_name(cheapest)} at ${cheapest.price:.2f}")
    proteins = [p for p in products if p.nutritional_info.protein_min is not None]
    if len(proteins) >= 2:
        top = max(proteins, key=lambda p: p.nutritional_info.protein_min or 0.0)
        out.append(f"Most protein: {_name(top)} ({top.nutritional_info.protein_min:g}%)")
    rated = [p for p in products if p.rating is not None]
    if len(rated) >= 2:
        best = max(rated, key=lambda p: (p.rating or 0.0, p.review_count))
        out.append(f"Best rated: {_name(best)} ({best.rating:.1f} from {best.review_count:,} reviews)")
    return out


def _rating_text(p: Product) -> str:
    return f"{p.rating:.1f} ({p.review_count:,})" if p.rating is not None else "no ratings yet"


def _pct(value: float | None) -> str:
    return f"{value:g}%" if value is not None else "-"


def _kcal(p: Product) -> str:
    n = p.nutritional_info
    if n.kcal_per_cup is not None:
        return f"{n.kcal_per_cup:g} kcal/cup"
    if n.kcal_per_kg is not None:
        return f"{n.kcal_per_kg:g} kcal/kg"
    return "-"


def _trim(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _name(p: Product) -> str:
    return recipe_name(p.title, p.size)
