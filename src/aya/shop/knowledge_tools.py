"""Aya's knowledge as tools any model can call (registered in :mod:`aya.shop.agent` next to the shop tools).

Each tool computes its answer from product data with :mod:`aya.shop.knowledge` and returns it with an ``answer``
sentence ready to say (the offline model and voice say it as is; a hosted model may rephrase, never change numbers):

- ``feeding_guide`` — daily calories for a pet (RER × factor) and the daily amount of a product in cups, grams or
  cans from its own calorie statement, its cost per day and month, how long a package lasts;
- ``unit_prices`` — price per lb, per kg and per can of products, and which is cheapest per unit;
- ``other_sizes`` — bigger or smaller packages of the same recipe (:mod:`aya.shop.sizes`);
- ``switch_schedule`` — a 7–10 day switch from the old food to the new one;
- ``pet_food_question`` — short honest answers to common questions; "I don't know, ask your vet" otherwise;
- ``check_ingredients`` — whether a product contains an ingredient family, from its label (never a guess).

:func:`knowledge_request` recognizes these questions in a shopper's words, for the offline model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aya.catalog.ingredients import family_label, family_of, named_ingredients, violations
from aya.catalog.models import Product
from aya.catalog.packages import recipe_name
from aya.core.errors import NotFound
from aya.search.models import ProductSearch
from aya.shop.knowledge import (
    LB,
    OZ,
    PetFacts,
    bag_duration,
    canned_answer,
    cost_per_day,
    daily_amount,
    daily_calories,
    format_days,
    parse_package,
    question_answer,
    transition_schedule,
    unit_prices,
    unknown_answer,
)
from aya.shop.profile import join_words
from aya.shop.sizes import OtherSizesArgs, other_sizes
from aya.shop.tools import ToolSpec, products_by_ids

__all__ = ["ASK", "KNOWLEDGE_TOOLS", "knowledge_request", "side_question_answer"]

ASK = "ask"  # knowledge_request's answer when it needs to know more first: {"text": the question}
WEIGHT_QUESTION = "How much does"


class FeedingArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    species: Literal["dog", "cat"] = Field(description="dog or cat.")
    weight: float = Field(gt=0, le=250, description="The pet's weight, in weight_unit.")
    weight_unit: Literal["lb", "kg"] = Field(default="lb", description="lb or kg.")
    age_years: float | None = Field(default=None, ge=0, le=40, description="Age in years (3 months = 0.25).")
    neutered: bool | None = Field(default=None, description="Spayed/neutered; unknown: assumed yes (said so).")
    goal: Literal["maintain", "lose", "gain"] = Field(default="maintain", description="Weight goal.")
    activity: Literal["low", "normal", "high"] = Field(default="normal", description="Activity level.")
    product_id: str | None = Field(default=None, max_length=200, description="Product to express the amount in.")


class FeedingResult(BaseModel):
    kcal_per_day: float
    calculation: str
    assumptions: list[str] = Field(default_factory=list)
    product_id: str | None = None
    product_title: str | None = None
    amount: str | None = None
    cost_per_day: float | None = None
    cost_per_month: float | None = None
    package_lasts: str | None = None
    answer: str = Field(description="The answer in words, with its assumptions.")


class UnitPriceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[str] = Field(min_length=1, max_length=10, description="Products to price per unit.")
    unit: Literal["lb", "kg", "can"] = Field(default="lb", description="The unit to rank by.")


class UnitPrice(BaseModel):
    product_id: str
    title: str
    price: float
    per_lb: float | None = None
    per_kg: float | None = None
    per_can: float | None = None


class UnitPriceResult(BaseModel):
    prices: list[UnitPrice]
    cheapest_id: str | None = None
    answer: str


class SwitchArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(default=7, ge=7, le=10, description="Days the switch takes (7 to 10).")


class SwitchResult(BaseModel):
    days: int
    schedule: list[str]
    answer: str


class QuestionArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=500, description="The shopper's question, in their words.")


class QuestionResult(BaseModel):
    known: bool
    answer: str


class IngredientCheckArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=200, description="The product to check.")
    ingredients: list[str] = Field(min_length=1, max_length=10, description="Ingredients or families, e.g. chicken.")
    other_product_ids: list[str] = Field(
        default_factory=list,
        max_length=9,
        description='More products to check the same way ("do any of them have chicken?" about all shown).',
    )


class IngredientFinding(BaseModel):
    asked: str
    family: str | None = None
    contains: bool
    found_in: list[str] = Field(default_factory=list, description="Label ingredients that belong to it.")


class IngredientCheckResult(BaseModel):
    product_id: str
    title: str
    findings: list[IngredientFinding]
    answer: str


# --- the tools ---------------------------------------------------------------------------------------------------


async def feeding_guide(search: ProductSearch, args: FeedingArgs) -> FeedingResult:
    kg = args.weight * LB if args.weight_unit == "lb" else args.weight
    pet = PetFacts(
        species=args.species,
        weight_kg=kg,
        age_years=args.age_years,
        neutered=args.neutered,
        goal=args.goal,
        activity=args.activity,
    )
    estimate = daily_calories(pet)
    weight_text = f"{args.weight:g} {args.weight_unit}" + (f" ({kg:.1f} kg)" if args.weight_unit == "lb" else "")
    article = "an" if weight_text.startswith(("8", "11", "18")) else "a"
    lead = f"For {article} {weight_text} {estimate.factor_label}: {estimate.sentence()}."
    result = FeedingResult(
        kcal_per_day=estimate.kcal_per_day, calculation=estimate.sentence(), assumptions=estimate.assumptions, answer=""
    )
    parts = [lead]
    if args.product_id:
        product = await _product(search, args.product_id)
        net, cans, can_oz = parse_package(product.size, product.title)
        net = net or product.package_weight_kg
        n = product.nutritional_info
        kcal_per_can = n.kcal_per_kg * can_oz * OZ if (n.kcal_per_kg and can_oz) else None
        amount = daily_amount(
            estimate.kcal_per_day,
            kcal_per_cup=n.kcal_per_cup,
            kcal_per_kg=n.kcal_per_kg,
            kcal_per_can=kcal_per_can,
            food_type=product.food_type,
        )
        name = _name(product)
        result.product_id, result.product_title = product.id, name
        if amount.known:
            result.amount = amount.text
            parts.append(f"With **{name}** ({amount.basis}) that is {amount.text}.")
            grams = amount.per_day_grams
            if grams is None and amount.per_day_cans and can_oz:
                grams = amount.per_day_cans * can_oz * OZ * 1000
            cost = cost_per_day(product.price, net, grams)
            if cost:
                result.cost_per_day, result.cost_per_month = cost
                days = bag_duration(net, grams)
                result.package_lasts = format_days(days) if days else None
                parts.append(
                    f"At ${product.price:,.2f} that costs about ${cost[0]:,.2f} a day (${cost[1]:,.2f} a month), and "
                    f"one {'case' if cans else 'package'} lasts {result.package_lasts}."
                )
        else:
            parts.append(f"**{name}**: {amount.text}; the package's feeding guide will help.")
    if estimate.assumptions:
        parts.append(f"I assumed: {', '.join(estimate.assumptions)}.")
    parts.append(
        "It's a starting point: weigh your pet every few weeks and adjust by about 10%, and count treats; your vet "
        "can confirm the right amount."
    )
    result.answer = " ".join(parts)
    return result


async def unit_price_tool(search: ProductSearch, args: UnitPriceArgs) -> UnitPriceResult:
    rows: list[UnitPrice] = []
    for p in await products_by_ids(search, args.product_ids):
        up = unit_prices(p.price, p.size, title=p.title, package_weight_kg=p.package_weight_kg)
        rows.append(UnitPrice(product_id=p.id, title=_name(p), price=p.price, per_lb=up.per_lb, per_kg=up.per_kg,
                              per_can=up.per_can))  # fmt: skip
    key = {"lb": "per_lb", "kg": "per_kg", "can": "per_can"}[args.unit]
    priced = [r for r in rows if getattr(r, key) is not None]
    if not priced and args.unit == "can":
        key, priced = "per_lb", [r for r in rows if r.per_lb is not None]
    unit = {"per_lb": "lb", "per_kg": "kg", "per_can": "can"}[key]
    lines = [
        f"**{r.title}**: "
        + (
            ", ".join(
                t
                for t in (
                    f"${r.per_can:.2f} per can" if r.per_can is not None else "",
                    f"${r.per_lb:.2f} per lb" if r.per_lb is not None else "",
                    f"${r.per_kg:.2f} per kg" if r.per_kg is not None else "",
                )
                if t
            )
            or "no package weight listed, so no unit price"
        )
        for r in rows
    ]
    cheapest = min(priced, key=lambda r: getattr(r, key)) if priced else None
    head = (
        f"Cheapest per {unit}: **{cheapest.title}** at ${getattr(cheapest, key):.2f} per {unit}."
        if cheapest and len(rows) > 1
        else ""
    )
    answer = "\n".join([head, *(f"- {line}" for line in lines)] if head else [f"- {line}" for line in lines])
    return UnitPriceResult(prices=rows, cheapest_id=cheapest.product_id if cheapest else None, answer=answer.strip())


async def switch_schedule(search: ProductSearch, args: SwitchArgs) -> SwitchResult:
    schedule = transition_schedule(args.days)
    answer = (
        f"Switch gradually over {args.days} days, mixing the new food into the old: "
        + "; ".join(schedule)
        + ". If your pet's stomach gets upset, stay a few more days at the current step; if it doesn't settle, "
        "ask your vet."
    )
    return SwitchResult(days=args.days, schedule=schedule, answer=answer)


async def pet_food_question(search: ProductSearch, args: QuestionArgs) -> QuestionResult:
    answer = canned_answer(args.question)
    if answer is None:
        return QuestionResult(known=False, answer=unknown_answer())
    return QuestionResult(known=True, answer=answer)


async def check_ingredients(search: ProductSearch, args: IngredientCheckArgs) -> IngredientCheckResult:
    """One product's answer; with ``other_product_ids``, every product's answer in turn (the first one's findings)."""
    first = await _check_one(search, args.product_id, args.ingredients)
    if not args.other_product_ids:
        return first
    others = [await _check_one(search, pid, args.ingredients) for pid in dict.fromkeys(args.other_product_ids)]
    checked = [first, *others]
    with_it = [r for r in checked if any(f.contains for f in r.findings)]
    asked = join_words(list(dict.fromkeys(f.asked for f in first.findings)), "or")
    if len(with_it) == len(checked):
        head = f"All {len(checked)} contain {asked}."
    elif not with_it:
        head = f"None of the {len(checked)} contain {asked}."
    else:
        head = f"{len(with_it)} of the {len(checked)} contain{'s' if len(with_it) == 1 else ''} {asked}."
    # one product after another: no "Yes:" that could read as an answer to "are they chicken free?"
    answers = [r.answer.removeprefix("Yes: ") for r in checked]
    return first.model_copy(update={"answer": " ".join([head, *answers])})


async def _check_one(search: ProductSearch, product_id: str, ingredients: list[str]) -> IngredientCheckResult:
    product = await _product(search, product_id)
    args = IngredientCheckArgs(product_id=product_id, ingredients=ingredients)
    findings: list[IngredientFinding] = []
    for asked in args.ingredients:
        fam = family_of(asked)
        found = violations(product.ingredients, [asked], title=product.title)
        findings.append(
            IngredientFinding(
                asked=asked,
                family=fam,
                contains=bool(found),
                found_in=list(
                    dict.fromkeys(
                        m.ingredient if m.where == "ingredients" else f"{m.term} (in its name)" for m in found
                    )
                )[:6],
            )
        )
    name = _name(product)
    sentences = []
    for f in findings:
        label = family_label(f.family) if f.family else f.asked
        if f.contains:
            sentences.append(f"Yes: **{name}** contains {label} ({', '.join(i.lower() for i in f.found_in)}).")
        elif product.ingredients:
            sentences.append(f"No {label} on **{name}**'s ingredient list (I checked every ingredient and its other "
                             "names, such as poultry or by-products).")  # fmt: skip
        else:
            sentences.append(f"I don't have **{name}**'s ingredient list, so I can't tell whether it has {label}.")
    return IngredientCheckResult(product_id=product.id, title=name, findings=findings, answer=" ".join(sentences))


class SafetyCheckArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=1000, description="The shopper's words, as said.")
    species: Literal["dog", "cat"] | None = Field(default=None, description="The pet's species, if known.")


class SafetyCheckResult(BaseModel):
    kind: Literal["emergency", "toxic_question", "store_policy", "none"]
    answer: str = Field(description="Say this (in your own short words); empty when kind is none.")


async def safety_check(search: ProductSearch, args: SafetyCheckArgs) -> SafetyCheckResult:
    """The input guardrail as a tool, for models no guardrail can sit in front of (OpenAI Realtime voice)."""
    from aya.shop.safety.guardrails import safety_answer  # the guardrail module imports the Agents SDK

    found = safety_answer(args.message, species=args.species, spoken=True)
    if found is None or found.kind == "correction":
        return SafetyCheckResult(kind="none", answer="")
    return SafetyCheckResult(kind=found.kind, answer=found.text)


KNOWLEDGE_TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            "feeding_guide",
            FeedingArgs,
            feeding_guide,
            "How much to feed a pet per day: calories from its weight, age, neuter status, activity and weight goal "
            "(RER x factor), and the amount of a product in cups, grams or cans from the product's own calorie "
            "statement, with cost per day and month. Use for 'how much should I feed', 'how long will a bag last'.",
        ),
        ToolSpec(
            "unit_prices",
            UnitPriceArgs,
            unit_price_tool,
            "Price per lb, per kg and per can of products, and which is cheapest per unit ('cheapest per pound', "
            "'best value').",
        ),
        ToolSpec(
            "other_sizes",
            OtherSizesArgs,
            other_sizes,
            "Other package sizes (bigger or smaller bags, cases, a trial size) of the same recipe as products shown, "
            "with price per lb; says honestly when the catalog has none. Use for 'do they come in a bigger bag?'.",
        ),
        ToolSpec(
            "switch_schedule",
            SwitchArgs,
            switch_schedule,
            "A 7-10 day schedule for switching a pet from its old food to a new one.",
        ),
        ToolSpec(
            "pet_food_question",
            QuestionArgs,
            pet_food_question,
            "Honest short answers to common pet food questions (grain-free and heart disease, wet vs dry, reading "
            "the guaranteed analysis, novel or hydrolyzed protein, raw food, vegan diets for cats...). Says when it "
            "does not know.",
        ),
        ToolSpec(
            "check_ingredients",
            IngredientCheckArgs,
            check_ingredients,
            "Whether a product contains an ingredient or ingredient family (chicken includes poultry, chicken meal, "
            "fowl...), from its label. ALWAYS use this before saying a product has or lacks an ingredient.",
        ),
        ToolSpec(
            "safety_check",
            SafetyCheckArgs,
            safety_check,
            "Check the shopper's words for an emergency (a pet that ate something toxic, urgent symptoms), a toxic "
            "food question, or a request the store cannot fulfil (cart, checkout, price match, delivery, diagnosis). "
            "Call it whenever the shopper mentions their pet eating something or a worrying symptom.",
        ),
    )
}


# --- recognizing knowledge questions (for the offline model) ----------------------------------------------------

_FEEDING = re.compile(
    r"\bhow (much|many (cups|cans|grams|scoops))\b.*\b(feed|give|eat|should (she|he|it|they) (get|have|eat))\b|"
    r"\bhow much (food|kibble|wet food|dry food)\b|\b(feeding (amount|guide|chart)|portion size|daily amount)\b|"
    r"\bhow (long|many (days|weeks)) (will|would|does|do) (a|the|one|this|that|it) ?"
    r"(bag|case|box|can|package)?\s*last\b|"
    r"\b(cost|spend) (per|a|each|every) (day|month|week)\b|\bhow much (will|would|does) (it|that|this) cost (per|a) "
    r"(day|month)\b|\b(monthly|daily) cost\b|\bcalories? (per|a) day\b|\bhow many calories\b|"
    r"\bhow (much|many)\b.*\b(per day|a day|each day|daily|per meal|a meal)\b",
    re.IGNORECASE,
)
_UNIT = re.compile(
    r"\b(per|a|each|by the) (pound|lb|kg|kilo|kilogram|can|ounce|oz)\b|\bunit price\b|\bbest value\b|"
    r"\bvalue for (the )?money\b|\bmost economical\b|\bbang for",
    re.IGNORECASE,
)
# "which one is the most food for the money", "most bang for the buck", "the better deal", "cheapest per lb": the
# price per unit of weight answers it (over the products shown)
_VALUE = re.compile(
    r"\bmost (?:food|kibble|cans?|bang)\b.*\b(?:money|bucks?|dollars?|price|cost)\b|\bper (?:dollar|buck)\b|"
    r"\bbang for\b|\b(?:better|best|good|great|biggest) (?:deal|value|bargain|buy)\b|"
    r"\b(?:more|most) (?:economical|cost effective|cost efficient|value)\b|\bvalue for (?:the |your |my )?money\b|"
    r"\b(?:cheapest|cheaper|lowest|lower|least expensive|best price) (?:per|a|by the|for the) "
    r"(?:pound|lb|lbs|kg|kilo|can|ounce|oz)\b|\bworth (?:the|its|it's) (?:money|price)\b|"
    r"\bstretch (?:my|the|our) (?:money|budget|dollars?)\b|\bgo(?:es)? (?:the )?furthest\b|\blast(?:s)? longest\b",
    re.IGNORECASE,
)
_SWITCH = re.compile(
    r"\b(switch|transition|change|changing|switching|move|moving|introduce|introducing)\b.*\b(food|diet|kibble|"
    r"over|to (it|this|the new))\b.*\?|\bhow (do|should|can) i (switch|transition|change|introduce)\b|"
    r"\bmix(ing)? (the )?(old|new) (and|with) (the )?(new|old)\b|\b(switching|transition) (schedule|plan)\b|"
    r"\b(switch|switching|transition|transitioning|change|changing|move|moving)\b[^?]*\bfrom\b[^?]*\bto\b[^?]*"
    r"\b(safe|ok|okay|alright|fine|a good idea|bad|how)\b",
    re.IGNORECASE,
)
_HAS_INGREDIENT = re.compile(
    r"\b(does|do|is there|are there|has|have|contain|contains|any)\b.*\b(have|contain|contains|include|in it|in them|"
    r"has|any)\b|\bwhich (?:ones?|of (?:them|these|those)) (?:have|has|contains?|include)\b|"
    r"\bare (?:they|these|those|any of (?:them|these|those))\b.*\bfree\b",
    re.IGNORECASE,
)
_ALL_SHOWN = re.compile(
    r"\b(?:any of (?:them|these|those|the)|all of (?:them|these|those)|do (?:they|these|those)|"
    r"are (?:they|these|those)|do any|does any|which (?:ones?|of (?:them|these|those))|none of (?:them|these|those)|"
    r"both|either)\b",
    re.IGNORECASE,
)
# A question anywhere in the message: "grain free for my frenchie? heard about DCM tho, is grain free bad" asks one.
QUESTION = re.compile(
    r"\?|(?:^|[,.;:!]\s*|\b(?:tho|though|but|and|also|so|just wondering|wondering)\s+)"
    r"(what|why|how|is|are|does|do|should|can|could|which|when)\b",
    re.IGNORECASE,
)


def side_question_answer(text: str) -> str | None:
    """The answer to a question asked alongside a request for food ("grain free for my frenchie? heard about DCM
    tho, is grain free bad"): Aya answers it and shows the food."""
    m = QUESTION.search(text)
    return question_answer(text[m.start() :]) if m else None  # the question's part: "need grain free?" asks none


def knowledge_request(
    text: str,
    *,
    species: str | None = None,
    age_years: float | None = None,
    shown_ids: Sequence[str] = (),
    focus_id: str | None = None,
    earlier_texts: Sequence[str] = (),
    asked: str = "",
) -> tuple[str, dict[str, object]] | None:
    """The knowledge tool (name, arguments) a shopper's message asks for, or ``None``. ``focus_id`` is the product
    the message points to ("the second one"), else the first shown is used where one product is needed. When a
    fact is missing (the pet's weight), the answer is ``(ASK, {"text": question})``."""
    t = text.strip()
    if not t:
        return None
    product = focus_id or (shown_ids[0] if shown_ids else None)
    priced = _UNIT.search(t) and re.search(r"\b(cheap|price|cost|value|economical|expensive)\w*", t, re.I)
    if shown_ids and (priced or _VALUE.search(t)):
        unit = "can" if re.search(r"\bcans?\b", t, re.I) else "kg" if re.search(r"\b(kg|kilo)", t, re.I) else "lb"
        return "unit_prices", {"product_ids": list(shown_ids)[:10], "unit": unit}
    answers_weight = WEIGHT_QUESTION in asked and _said_weight([t]) is not None  # "she's 9 lbs" after we asked
    if _FEEDING.search(t) or answers_weight:
        args: dict[str, object]
        said = _said_weight([t, *reversed(list(earlier_texts)[-3:])])  # the pet's weight, newest first
        if species is None:
            return ASK, {"text": "Happy to work that out! Is it for a dog or a cat, and how much does your pet weigh?"}
        if said is None:
            return ASK, {"text": f"Happy to work that out! {WEIGHT_QUESTION} your {species} weigh (in lb or kg)?"}
        args = {"species": species, "weight": said[0], "weight_unit": said[1]}
        if age_years is not None:
            args["age_years"] = age_years
        if re.search(r"\b(lose|losing|overweight|chubby|fat|diet|slim)\b", t, re.I):
            args["goal"] = "lose"
        if re.search(r"\bnot (spayed|neutered|fixed)|\bintact\b", t, re.I):
            args["neutered"] = False
        if product:
            args["product_id"] = product
        return "feeding_guide", args
    if _SWITCH.search(t) and (young := question_answer(t)) is not None and "Not yet" in young:
        return "pet_food_question", {"question": t[:500]}  # "switch my 16 week old kitten to adult food?": not yet
    if _SWITCH.search(t):
        days = 10 if re.search(r"\b(10|ten)\b|sensitive|slow", t, re.I) else 7
        return "switch_schedule", {"days": days}
    if product and _HAS_INGREDIENT.search(t):
        named = list(dict.fromkeys(phrase for phrase, _ in named_ingredients(t)))
        if named:
            args = {"product_id": product, "ingredients": named[:5]}
            if len(shown_ids) > 1 and _ALL_SHOWN.search(t):
                args["other_product_ids"] = [i for i in shown_ids if i != product][:9]  # "do any of them have …"
            return "check_ingredients", args
    # "is it grain free?" asks about a product shown; with nothing shown, "my dog keeps stealing it" is no reference
    about_shown = focus_id is not None or (
        bool(shown_ids) and re.search(r"\b(it|this one|that one|these|those|them|they)\b", t, re.I) is not None
    )
    if QUESTION.search(t) and not about_shown and canned_answer(t) is not None:
        return "pet_food_question", {"question": t[:500]}
    return None


def _said_weight(texts: Sequence[str]) -> tuple[float, str] | None:
    """(value, "lb" or "kg") of the first weight said in ``texts``."""
    for text in texts:
        m = re.search(r"(\d+(?:\.\d+)?)\s*-?\s*(lbs?|pounds?|kgs?|kilos?|kilograms?)\b", text.lower())
        if m:
            return float(m.group(1)), "lb" if m.group(2).startswith(("lb", "pound")) else "kg"
    return None


async def _product(search: ProductSearch, product_id: str) -> Product:
    products = await search.get([product_id])
    if not products:
        raise NotFound(f"no product with id {product_id!r}", field="product_id")
    return products[0]


def _name(p: Product) -> str:
    return recipe_name(p.title, p.size)
