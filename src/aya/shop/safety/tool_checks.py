"""Checks around every shop tool call, whichever model made it (wired in :func:`aya.shop.agent.make_tool`).

- :func:`enforce_args` — before the call: allergies and refusals stated anywhere in the conversation (the thread's
  pet profile) are added to every search, so a model that forgets them cannot show a product that breaks them.
- :func:`check_result` — after the call, before the widget is shown or the model reads the result: the exact
  ingredient-family check on the full labels, veterinary diets only with the matching diagnosis and always with
  "needs your vet's authorization", diets unsafe for the animal removed with the reason
  (:mod:`aya.shop.safety.diets`). The reasons land in ``safety_notes``, which every model is told to pass on and the
  output guard (:mod:`aya.shop.safety.output`) adds when a reply leaves them out.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from aya.catalog.ingredients import families_in
from aya.search.models import ProductSearch
from aya.shop.profile import PetProfile
from aya.shop.safety.diets import (
    Pet,
    Screened,
    condition_note,
    is_vet_diet,
    pet_of,
    request_warnings,
    screen,
    unsafe_reason,
)
from aya.shop.tools import (
    MAX_K,
    ComparisonResult,
    ProductDetails,
    ProductSummary,
    RecommendationArgs,
    RecommendationsResult,
    SearchProductsArgs,
    SearchProductsResult,
    SimilarArgs,
    SimilarResult,
)

VET_CAUTION = "veterinary diet: needs your vet's authorization"


def _union(first: list[str], more: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *(m.strip().lower() for m in more if m.strip())]))


EXTRA = 4  # products asked for beyond ``k``, so the screening can drop some and still show ``k``


_ALLERGY = re.compile(
    r"(?<!not )\b(?:allergic|allergy|allergies|sensitive|sensitivity|intolerant|intolerance|reacts?|reaction)s? "
    r"(?:to|with|from) ([a-z ,&'-]+)",
    re.IGNORECASE,
)
_CANNOT = re.compile(
    r"\b(?:can'?t|cannot|can not|shouldn'?t|must not|mustn'?t|doesn'?t|does not|won'?t) (?:have|eat|tolerate|do well "
    r"(?:on|with)|handle) (?:any )?([a-z ,&'-]+)",
    re.IGNORECASE,
)
_LIFELONG = re.compile(
    r"\b(?:eaten|had|been (?:on|eating|fed)|fed|feeding|ate|eating) (?:nothing but |only )?([a-z ,&'-]+?) "
    r"(?:all (?:his|her|its|their) li(?:fe|ves)|(?:his|her|its|their) whole li(?:fe|ves)|for years|forever|"
    r"since (?:he|she|it) was|until now|so far|for a long time)",
    re.IGNORECASE,
)
_WANTS_NEW = re.compile(
    r"\b(?:something|anything|a protein|protein) (?:different|new|else)|\bnovel protein|\bdifferent protein|"
    r"\bnew protein|\bswitch|\bchange|\brotate|\btired of|\bbored (?:of|with)",
    re.IGNORECASE,
)


def avoidances_in(text: str) -> list[str]:
    """Ingredient families a message rules out: allergies ("allergic to chicken and beef"), what the pet can't
    have, and the proteins it has always eaten when the shopper wants something different (a novel protein)."""
    found: list[str] = []
    for pattern in (_ALLERGY, _CANNOT):
        for m in pattern.finditer(text):
            found += families_in(re.split(r"\b(?:but|so|which|because|what|and (?:is|has|she|he|it))\b", m.group(1))[0])
    if _WANTS_NEW.search(text):
        for m in _LIFELONG.finditer(text):
            found += families_in(m.group(1))
    return [f for f in dict.fromkeys(found) if f not in ("unnamed_meat",)]


def enforce_args(args: BaseModel, profile: PetProfile, user_text: str = "") -> BaseModel:
    """``args`` with the thread's remembered exclusions, and those the shopper's message states, added (never
    removed), asking for a few more products than wanted so that :func:`check_result` can leave some out and still
    keep ``k`` (it trims back to ``k``)."""
    k = getattr(args, "k", None)
    if isinstance(k, int) and isinstance(args, SearchProductsArgs | SimilarArgs | RecommendationArgs):
        args = args.model_copy(update={"k": min(MAX_K, k + EXTRA)})
    avoid = list(dict.fromkeys([*profile.avoid_ingredients, *avoidances_in(user_text)]))
    if not avoid:
        return args
    match args:
        case SearchProductsArgs():
            same_pet = args.species is None or profile.species is None or args.species == profile.species
            if same_pet:
                return args.model_copy(update={"exclude_ingredients": _union(args.exclude_ingredients, avoid)})
        case SimilarArgs():
            return args.model_copy(update={"exclude_ingredients": _union(args.exclude_ingredients, avoid)})
        case RecommendationArgs():
            pet = args.profile
            if pet.species is None or profile.species is None or pet.species == profile.species:
                merged = pet.model_copy(update={"avoid_ingredients": _union(pet.avoid_ingredients, avoid)[:20]})
                return args.model_copy(update={"profile": merged})
        case _:
            pass
    return args


def pet_for(args: BaseModel, profile: PetProfile, user_text: str) -> Pet:
    """The pet a tool call is about: the call's own profile or species, else the thread's pet."""
    match args:
        case RecommendationArgs():
            merged = profile.merged(args.profile) if not profile.is_empty() else args.profile
            pet = pet_of(merged, text=f"{user_text} {args.query}")
            return pet
        case SearchProductsArgs():
            base = pet_of(profile, text=f"{user_text} {args.query}")
            species = args.species or base.species
            stage = args.life_stage or base.life_stage
            if species != base.species:  # another animal than the remembered one: only what the call says
                return Pet(species=species, life_stage=args.life_stage, avoid=tuple(args.exclude_ingredients),
                           asked_vet_diet=base.asked_vet_diet or "prescription" in args.special_features)  # fmt: skip
            conditions = tuple(dict.fromkeys([*base.conditions, *args.target_conditions]))
            return Pet(
                species=species,
                life_stage=stage,
                breed_size=base.breed_size,
                conditions=conditions,
                avoid=tuple(dict.fromkeys([*base.avoid, *args.exclude_ingredients])),
                asked_vet_diet=base.asked_vet_diet or "prescription" in args.special_features,
                refuses_vet_diet=base.refuses_vet_diet or "prescription" in args.exclude_features,
            )
        case SimilarArgs():
            base = pet_of(profile, text=user_text)
            return Pet(
                species=base.species,
                life_stage=base.life_stage,
                breed_size=base.breed_size,
                conditions=base.conditions,
                avoid=tuple(dict.fromkeys([*base.avoid, *args.exclude_ingredients])),
                asked_vet_diet=base.asked_vet_diet,
                refuses_vet_diet=base.refuses_vet_diet,
            )
        case _:
            return pet_of(profile, text=user_text)


async def check_result(
    search: ProductSearch,
    args: BaseModel,
    result: BaseModel,
    profile: PetProfile,
    user_text: str = "",
    *,
    k: int | None = None,
) -> BaseModel:
    """``result`` made safe for this pet (see the module docstring), with at most ``k`` products."""
    pet = pet_for(args, profile, user_text)
    limit = k if k is not None else MAX_K
    features = list(getattr(args, "special_features", []) or getattr(getattr(args, "profile", None), "features", []))
    warnings = request_warnings(pet, f"{user_text} {getattr(args, 'query', '')}", features)
    result = await _checked(search, pet, result, limit)
    notes = getattr(result, "safety_notes", None)
    if warnings and isinstance(notes, list):
        merged = [*warnings, *(n for n in notes if n not in warnings and not _same(n, warnings))]
        result = result.model_copy(update={"safety_notes": merged})
    return result


def _same(note: str, warnings: list[str]) -> bool:
    return any(note[:40] == w[:40] for w in warnings)


async def _checked(search: ProductSearch, pet: Pet, result: BaseModel, limit: int) -> BaseModel:
    match result:
        case SearchProductsResult() | SimilarResult():
            screened = await _screen(search, result.products, pet)
            products = [p.model_copy(update={"caution": screened.cautions.get(p.id)}) for p in screened.keep][:limit]
            notes = _said_notes(screened, [p.id for p in result.products][:limit])
            return result.model_copy(update={"products": products, "safety_notes": notes})
        case RecommendationsResult():
            screened = await _screen(search, [p.product for p in result.picks], pet)
            kept = {p.id for p in screened.keep}
            picks = []
            for pick in result.picks:
                if pick.product.id not in kept:
                    continue
                caution = screened.cautions.get(pick.product.id)
                reason = f"{pick.reason}; {caution}" if caution else pick.reason
                picks.append(pick.model_copy(update={"product": pick.product.model_copy(update={"caution": caution}),
                                                     "reason": reason}))  # fmt: skip
            notes = _said_notes(screened, [p.product.id for p in result.picks][:limit])
            return result.model_copy(update={"picks": picks[:limit], "safety_notes": notes})
        case ProductDetails():
            notes = []
            caution = VET_CAUTION if is_vet_diet(result) else None
            unsafe = unsafe_reason(result, pet)
            if unsafe:
                notes.append(unsafe)
            if caution:
                notes.append(f"This is a veterinary diet: it {caution.split(': ')[1]}.")
            return result.model_copy(update={"caution": caution, "safety_notes": notes})
        case ComparisonResult():
            notes = []
            products = []
            for p in result.products:
                caution = VET_CAUTION if is_vet_diet(p) else None
                products.append(p.model_copy(update={"caution": caution}))
                why = unsafe_reason(p, pet)
                if why and why not in notes:
                    notes.append(why)
            if any(p.caution for p in products):
                notes.append("Veterinary diets in this comparison need your vet's authorization.")
            note = condition_note(pet.conditions)
            if note:
                notes.append(note)
            return result.model_copy(update={"products": products, "safety_notes": notes})
        case _:
            return result


def _said_notes(screened: Screened, would_show: list[str]) -> list[str]:
    """The notes to pass on: why a product was left out only when it would have been shown (a vegan food deep in
    the candidates of "wet food for my cat" is no reason to lecture about vegan diets); every other note."""
    shown_reasons = {screened.removed[i] for i in would_show if i in screened.removed}
    removal_reasons = set(screened.removed.values())
    return [n for n in screened.notes if n not in removal_reasons or n in shown_reasons]


async def _screen(search: ProductSearch, summaries: list[ProductSummary], pet: Pet) -> Screened:
    """Screen summaries with their FULL labels (a summary carries only the first ingredients)."""
    full = {p.id: p for p in await search.get([s.id for s in summaries])} if pet.avoid and summaries else {}
    candidates = [full.get(s.id, s) for s in summaries]
    screened = screen(candidates, pet)
    keep_ids = [p.id for p in screened.keep]
    by_id = {s.id: s for s in summaries}
    screened.keep = [by_id[i] for i in keep_ids]
    return screened
