"""What Aya says, offline: questions, small talk, polite refusals, and answers written from tool results.

Wording varies by a hash of the conversation (never by randomness), so the same conversation always gets the same
answer. Every product fact in an answer comes from a tool result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from aya.catalog.ingredients import family_of, violations
from aya.catalog.packages import recipe_name
from aya.shop.profile import FEATURE_WORDS, WITH_WORDS, PetProfile, condition_phrase, feature_phrase, join_words
from aya.shop.safety.diets import is_vet_label
from aya.shop.state import ShownProduct
from aya.shop.tools import (
    ComparisonResult,
    ProductDetails,
    ProductSummary,
    RecommendationsResult,
    SearchProductsResult,
    SimilarResult,
    fit_reason,
)
from aya.shop.understanding import Parsed
from aya.shop.understanding.refs import Attribute, describe_attribute

VET_LINE = "ASPCA Animal Poison Control Center at (888) 426-4435"
SPECIES_QUESTION_MARK = "dog or a cat"
WHICH_FIRST_MARK = "dog or the cat"
AGE_QUESTION_MARK = "How old is"


def pick(options: Sequence[str], key: str) -> str:
    """One of ``options``, chosen by a stable hash of ``key``."""
    digest = hashlib.blake2s(key.encode("utf-8"), digest_size=4).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


def _pet(profile: PetProfile) -> str:
    if profile.name:
        return profile.name
    if profile.species:
        stage = profile.effective_life_stage()
        return f"your {stage if stage in ('puppy', 'kitten') else profile.species}"
    return "your pet"


# --- questions and small talk ------------------------------------------------------------------------------------


def greeting(username: str | None, profile: PetProfile, key: str, *, smalltalk: bool = False) -> str:
    hello = f"Hi {username}!" if username else "Hi there!"
    if smalltalk:
        hello += pick([" I'm doing great, thanks for asking!", " All good here, thank you!"], key + "day")
    if profile.species:
        return (
            f"{hello} I'm Aya, your pet food specialist. Welcome back — shall we keep looking for "
            f"{_pet(profile)}, or is this for another pet?"
        )
    follow = pick(
        [
            "Who am I shopping for today — a dog or a cat?",
            "Tell me about your pet: is it a dog or a cat, and how old?",
            "What kind of pet are we feeding today, a dog or a cat?",
        ],
        key,
    )
    return f"{hello} I'm Aya, your pet food specialist. {follow}"


def ask_species(parsed: Parsed, profile: PetProfile, key: str) -> str:
    if profile.name:
        return f"Happy to help with {profile.name}! Is {profile.name} a dog or a cat?"
    what = ""
    if parsed.conditions:
        what = f" with {join_words([WITH_WORDS.get(c, condition_phrase(c)) for c in parsed.conditions])}"
    return pick(
        [
            f"I'd love to help{what}! First, is this for a dog or a cat?",
            f"Happy to help{what}. Is it for a dog or a cat?",
            f"Sure thing{what}! Are we shopping for a dog or a cat?",
        ],
        key,
    )


def which_pet(first: PetProfile, second: PetProfile) -> str:
    """Two pets at once: which one first (the state keeps both)."""
    a, b = _pet_label(first), _pet_label(second)
    if a == b:  # two cats, two labs: told apart by what differs ("the 15-year-old senior cat or the 1-year-old ...")
        a, b = (pet.describe().removeprefix("a ").removeprefix("an ") for pet in (first, second))
    if a == b:
        return "Happy to help with both! Which one shall we start with?"
    return f"Happy to help with both! Let's take them one at a time: shall we start with the {a} or the {b}?"


def _pet_label(pet: PetProfile) -> str:
    if pet.name:
        return pet.name
    stage = pet.effective_life_stage()
    if stage in ("puppy", "kitten"):
        return stage
    return pet.breed or pet.species or "pet"


def both_species() -> str:
    return f"Happy to help with both! Let's take them one at a time — shall we start with the {SPECIES_QUESTION_MARK}?"


def ask_age(profile: PetProfile, key: str) -> str:
    pet = profile.name or f"your {profile.species}"
    stage_hint = "puppies" if profile.species == "dog" else "kittens"
    return pick(
        [
            f"{stage_hint.capitalize()}, adults and seniors need different food: {AGE_QUESTION_MARK.lower()} {pet}?",
            f"Great! That tells me which life stage to shop for: {AGE_QUESTION_MARK.lower()} {pet}?",
            f"Happy to help! {AGE_QUESTION_MARK} {pet}, roughly?",
        ],
        key,
    )


def ask_which(action: str, shown: int) -> str:
    if shown == 0:
        return "I haven't shown you any products yet. Tell me about your pet and I'll find some good options."
    verb = {"compare": "compare", "details": "tell you more about", "similar": "find alternatives to"}.get(
        action, "use"
    )
    return f'Which one should I {verb}? You can say "the first", "the second" and so on (I showed {shown}).'


def which_of(attribute: Attribute, matches: Sequence[tuple[int, ShownProduct]]) -> str:
    """ "the adult one" when several shown products are adult: which of them (never one picked silently)."""
    what = describe_attribute(attribute)
    lines = [f"{n}. **{short_title(s.title)}** by {s.brand} (${s.price:.2f})" for n, s in matches]
    return (
        f'{len(matches)} of the products I showed fit "{what}". Which one do you mean?\n\n'
        + "\n".join(lines)
        + '\n\nYou can say "the first", "number 2" or its name.'
    )


def no_match(attribute: Attribute, shown: Sequence[ShownProduct]) -> str:
    """ "the salmon one" when none of the shown products is: say so, and what was shown."""
    what = describe_attribute(attribute)
    if attribute.field == "size":
        return (
            "I can't tell the package sizes of the products I showed apart, so I can't pick the "
            f"{what}. Which one do you mean — the first, the second…?"
        )
    count = len(shown)
    names = join_words([f"**{short_title(s.title)}**" for s in shown[:4]])
    plural = "s" if count != 1 else ""
    return f'None of the {count} product{plural} I showed is "{what}" ({names}). Which one did you mean?'


def out_of_range(refs: Sequence[int], shown: int) -> str:
    plural = "s" if shown != 1 else ""
    return f"I only showed {shown} product{plural}, so I can't find number {max(refs)}. Which one did you mean?"


def thanks(username: str | None, key: str) -> str:
    name = f", {username}" if username else ""
    return pick(
        [
            f"You're welcome{name}! Anything else I can help you find?",
            f"My pleasure{name}! Let me know if you'd like to compare options or look at something else.",
            f"Happy to help{name}! Just ask if you need anything else for your pet.",
        ],
        key,
    )


def acknowledge(profile: PetProfile, shown: bool, key: str) -> str:
    """ "ok", "lol", "got it": nothing asked, so Aya keeps the door open (no search, no repeated greeting)."""
    if shown:
        return pick(
            [
                "Sounds good! Ask me about any of those, or tell me what to change and I'll look again.",
                "Sure! I can compare them, show details, or find other sizes or cheaper options whenever you like.",
            ],
            key,
        )
    if profile.species:
        return f"Sounds good! Tell me whenever you'd like me to look for food for {_pet(profile)}."
    return pick(
        [
            "Sure! Whenever you're ready, tell me about your pet (dog or cat, age, any health needs).",
            "Sounds good! I'm here when you want to find food for a dog or a cat.",
        ],
        key,
    )


def goodbye(username: str | None, profile: PetProfile) -> str:
    name = f", {username}" if username else ""
    pet = f" Give {profile.name} a treat from me!" if profile.name else ""
    return f"Thanks for stopping by{name}!{pet} Come back any time."


def help_text(username: str | None) -> str:
    hello = f"Hi {username}! " if username else ""
    return (
        f"{hello}I'm Aya, your pet food specialist. I can find dog and cat food for your pet's age, breed size and "
        "health needs (like a sensitive stomach, kidney support or weight control), stick to a budget, avoid "
        "ingredients your pet is allergic to, and then compare products, show details, or find similar or cheaper "
        'options. Try: "food for my 12-year-old cat with kidney problems, no chicken, under $40".'
    )


def symptom_note(profile: PetProfile, symptoms: Sequence[str]) -> str:
    """The vet note signs deserve ("losing weight, not eating much"), whatever food is chosen."""
    pet = f"your {profile.species}" if profile.species else "your pet"
    if profile.effective_life_stage() == "senior":
        pet = f"a senior {profile.species or 'pet'}"
    signs = join_words(list(dict.fromkeys(symptoms))[:3])
    return (
        f"One more thing: {signs} can be an early sign of illness in {pet} (kidney, thyroid, diabetes or dental "
        "trouble among others), so please have your vet take a look soon; food can help, but it can't rule those out."
    )


def unknown(key: str) -> str:
    return pick(
        [
            "I'm not sure I followed. Tell me about your pet (dog or cat, age, any health needs) and I'll find food "
            "that fits.",
            "Sorry, I didn't catch that. Are you looking for food for a dog or a cat?",
        ],
        key,
    )


def out_of_scope(parsed: Parsed, key: str) -> str:
    match parsed.out_of_scope:
        case "emergency":
            return (
                "That sounds like it could be an emergency. Please contact your veterinarian or the nearest emergency "
                f"animal hospital right away. If your pet may have eaten something toxic, you can also call the "
                f"{VET_LINE}. I'm a food specialist, not a vet, so please don't wait on me."
            )
        case "other_animal":
            animal = parsed.other_animal or "that pet"
            return pick(
                [
                    f"I'm sorry, I only carry dog and cat food, so I can't help with food for a {animal}. "
                    "If you also have a dog or a cat, I'd be glad to help with them!",
                    f"Sorry, our store only stocks dog and cat food, so nothing for a {animal}, I'm afraid. "
                    "Is there a dog or cat I can help you shop for?",
                ],
                key,
            )
        case "order":
            return (
                "I'm sorry, I can't look up orders, deliveries, returns or accounts from here. Our customer support "
                "team can help with that. I'm happy to help you choose food in the meantime!"
            )
        case "medical":
            return (
                "I'm not a vet, so I can't give medical advice — please ask your veterinarian about that. If your pet "
                f"may have eaten something harmful, call your vet or the {VET_LINE} right away. I can help you find "
                "food that supports a health need your vet has mentioned."
            )
        case "non_food":
            return (
                "I'm Aya, the store's food specialist, so I can only help with dog and cat food, treats and toppers — "
                "for other supplies, please check the store's website or our customer support. "
                "Can I help you find food for your pet?"
            )
        case "off_topic":
            return (
                "I'm afraid that's outside what I can help with — I'm Aya, the store's pet food specialist. "
                "I can find dog and cat food for your pet's age, size and health needs, compare products, and work "
                "out portions and prices. Can I help you find food for a dog or a cat?"
            )
        case _:
            return unknown(key)


# --- answers from tool results -----------------------------------------------------------------------------------


def short_title(title: str) -> str:
    """The product name without its package size ("…Dry Dog Food, 30-lb bag" -> "…Dry Dog Food"; a comma inside
    the name stays: "…with Turkey, Quail & Duck…")."""
    return recipe_name(title)


def _line(i: int, p: ProductSummary, reason: str | None = None) -> str:
    rating = f", rated {p.rating:.1f}" if p.rating is not None and p.review_count else ""
    tail = f" — {reason}" if reason else ""
    return f"{i}. **{short_title(p.title)}** by {p.brand} (${p.price:.2f}{rating}){tail}"


def _relaxed(relaxations: Sequence[str], key: str) -> str:
    if not relaxations:
        return ""
    lead = pick(
        [
            "Heads-up: nothing matched every wish, so I relaxed a little: ",
            "Note that I couldn't match everything exactly, so I relaxed: ",
            "To find enough options I had to relax: ",
        ],
        key + "relax",
    )
    return lead + "; ".join(r.rstrip(".") for r in relaxations) + "."


def _compose(head: list[str], tail: list[str]) -> str:
    """A list answer: the intro and its list lines, then each closing remark as its own paragraph (in markdown a
    remark on the next line would be folded into the last list item)."""
    return "\n\n".join(["\n".join(head), *[t for t in tail if t]])


def _next_step(key: str, count: int) -> str:
    if count >= 2:
        options = [
            "Want me to compare the first two, or look for something cheaper?",
            "Would you like details on any of these, or a side-by-side comparison?",
            "I can show details, compare them, or find similar options — just ask.",
        ]
    else:
        options = ["Want the full details, or similar options?", "Shall I show its details or find alternatives?"]
    return pick(options, key + "next")


def _lead(count: int, what: str, first: ProductSummary, reason: str | None, key: str) -> str:
    """The one line before the cards: how many, for whom, and the top pick with why (the cards show the rest)."""
    n = f"{count} picks" if count > 1 else "one pick"
    why = f" — {reason}" if reason else ""
    top = f"**{short_title(first.title)}** (${first.price:.2f}){why}"
    if count == 1:
        return pick(
            [f"For {what}, one product fits everything you asked: {top}.", f"Just one fits {what}: {top}."], key
        )
    return pick(
        [
            f"Here are {n} for {what}; my first choice is {top}.",
            f"For {what} I found {n}; the one I'd start with is {top}.",
            f"{n.capitalize()} for {what} are on the cards; top of the list: {top}.",
        ],
        key,
    )


def _advice(relaxations: Sequence[str], key: str, count: int) -> str:
    """At most one line after the cards: what was relaxed (always said), else a next step."""
    return _relaxed(relaxations, key) or _next_step(key, count)


def recommendations(result: RecommendationsResult, key: str, *, prefix: str = "") -> str:
    """A one-line lead-in naming the top pick, the cards, one line of advice (no list repeating the cards)."""
    if not result.picks:
        return prefix + nothing_found(result.looked_for, result.profile, key)
    first = result.picks[0]
    lead = _lead(len(result.picks), result.profile.describe(), first.product, first.reason, key)
    return "\n\n".join([prefix + lead, _advice(result.relaxations, key, len(result.picks))])


def nothing_found(looked_for: str, profile: PetProfile, key: str) -> str:
    loosen: list[str] = []
    if profile.budget_max is not None:
        loosen.append("raise the budget a little")
    if profile.food_types:
        loosen.append("look at other food types")
    if profile.brands:
        loosen.append("try other brands")
    if profile.features:
        loosen.append(f"drop {join_words([feature_phrase(f) for f in profile.features], 'or')}")
    suggestion = (
        f" Shall I {join_words(loosen[:2], 'or')}?"
        if loosen
        else " Could you tell me a bit more, or loosen a requirement?"
    )
    what = f" {looked_for}" if looked_for else " anything that fits"
    return f"I'm sorry, I couldn't find{what} in our catalog.{suggestion}"


def search_results(result: SearchProductsResult, key: str, *, prefix: str = "") -> str:
    if not result.products:
        return prefix + nothing_found(result.looked_for, PetProfile(), key)
    lead = _lead(len(result.products), result.looked_for, result.products[0], None, key)
    return "\n\n".join([prefix + lead, _advice(result.relaxations, key, len(result.products))])


def similar(result: SimilarResult, key: str, *, cheaper: bool = False) -> str:
    base = result.base
    if not result.products:
        what = "cheaper " if cheaper else ""
        return f"I couldn't find {what}alternatives to **{base.title}** right now. Want me to search more broadly?"
    first = result.products[0]
    top = f"**{short_title(first.title)}** (${first.price:.2f}, {_similar_reason(base, first) or 'close match'})"
    n = len(result.products)
    lead = (
        f"{n} cheaper {'option' if n == 1 else 'options'} than **{base.title}** (${base.price:.2f}); "
        f"the closest is {top}."
        if cheaper
        else pick(
            [
                f"If you like **{base.title}**, {n} more like it are on the cards; closest: {top}.",
                f"More like **{base.title}**: {n} on the cards, starting with {top}.",
            ],
            key,
        )
    )
    return "\n\n".join([lead, _advice(result.relaxations, key, n)])


def _similar_reason(base: ProductSummary, p: ProductSummary) -> str:
    bits: list[str] = []
    if p.brand == base.brand:
        bits.append("same brand")
    if p.food_type == base.food_type:
        bits.append(f"also {p.food_type.replace('_', '-')}")
    shared = [feature_phrase(f) for f in p.special_features if f in base.special_features]
    if shared:
        bits.append(join_words(shared[:2]))
    if p.price < base.price:
        bits.append(f"${base.price - p.price:.2f} cheaper")
    return ", ".join(bits[:3])


def details(p: ProductDetails, parsed: Parsed | None, key: str) -> str:
    head = f"**{p.title}** by {p.brand} costs ${p.price:.2f}" + (f" ({p.size})" if p.size else "") + "."
    facts: list[str] = []
    if p.rating is not None:
        facts.append(f"It's rated {p.rating:.1f} out of 5 by {p.review_count:,} shoppers.")
    stage = "all life stages" if p.life_stage == "all" else f"{p.life_stage}s" if p.life_stage != "puppy" else "puppies"
    kind = p.food_type.replace("_", "-")
    facts.append(f"It's a {kind} {p.species} food for {stage}.")
    nutrition: list[str] = []
    if p.protein_min is not None:
        nutrition.append(f"{p.protein_min:g}% protein")
    if p.fat_min is not None:
        nutrition.append(f"{p.fat_min:g}% fat")
    if p.fiber_max is not None:
        nutrition.append(f"{p.fiber_max:g}% fiber (max)")
    if p.kcal_per_cup is not None:
        nutrition.append(f"{p.kcal_per_cup:g} kcal per cup")
    elif p.kcal_per_kg is not None:
        nutrition.append(f"{p.kcal_per_kg:g} kcal per kg")
    if nutrition:
        facts.append("Guaranteed analysis: " + join_words(nutrition) + ".")
    if p.ingredients:
        first = [re.sub(r"\s*\(.*$", "", i).strip() for i in p.ingredients[:5]]
        facts.append("First ingredients: " + ", ".join(i for i in first if i) + ".")
    if p.special_features:
        facts.append("It's " + join_words([feature_phrase(f) for f in p.special_features]) + ".")
    if p.target_conditions:
        facts.append("Made for " + join_words([condition_phrase(c) for c in p.target_conditions]) + ".")
    answer = _answer_question(p, parsed)
    parts = [answer, head, *facts] if answer else [head, *facts]
    return " ".join(parts)


def _answer_question(p: ProductDetails, parsed: Parsed | None) -> str:
    """A direct yes/no when the shopper asked about a feature, condition or ingredient of this product."""
    if parsed is None:
        return ""
    answers: list[str] = []
    if _ASKS_PRESCRIPTION.search(parsed.text):  # "is the renal one ok without vet approval?"
        if is_vet_label(p.title, p.special_features):
            answers.append("It's a veterinary diet: it needs your vet's authorization.")
        else:
            answers.append("It isn't a prescription diet: you can buy it without your vet's authorization.")
    for f in parsed.features:
        if f == "prescription" and answers:
            continue
        has = f in p.special_features
        word = FEATURE_WORDS.get(f, f)
        # a "free of" label is checked against the ingredient list: the label never outvotes the ingredients
        found = violations(p.ingredients, [_FREE_OF[f]], title=p.title) if has and f in _FREE_OF else []
        if found:
            names = join_words(list(dict.fromkeys(m.ingredient.lower() for m in found))[:3])
            answers.append(f"It's labelled {word}, but its ingredients list {names}: check the bag if you avoid them.")
        else:
            answers.append(f"{'Yes' if has else 'No'}, it's {'' if has else 'not '}{word}.")
    stage = getattr(p, "life_stage", None)
    if parsed.life_stage and stage and "about_it" in parsed.acts:  # "is this one ok for kittens?"
        fits = stage in (parsed.life_stage, "all")
        made = "all life stages" if stage == "all" else f"{stage}s"
        answers.append(f"{'Yes' if fits else 'No'}, it's made for {made}.")
    for c in parsed.conditions:
        has = c in p.target_conditions
        answers.append(f"{'Yes' if has else 'No'}, it's {'' if has else 'not '}made for {condition_phrase(c)}.")
    for ingredient in [*parsed.avoid, *parsed.flavors][:2]:
        # the whole family with word boundaries (chicken: poultry by-product meal, fowl, ...), as every search does
        if family_of(ingredient):
            listed = bool(violations(p.ingredients, [ingredient], title=p.title))
        else:
            listed = any(ingredient in i.lower() for i in p.ingredients) or ingredient in p.title.lower()
        answers.append(f"{'Yes' if listed else 'No'}, {ingredient} is {'' if listed else 'not '}in its ingredients.")
    return " ".join(answers[:2])


_ASKS_PRESCRIPTION = re.compile(
    r"\b(?:prescription|perscription|script|rx|vet(?:'?s)? (?:approval|authori[sz]ation|ok)|authori[sz]ation|"
    r"over the counter|otc)\b",
    re.IGNORECASE,
)

# Features that promise the absence of an ingredient family (aya.catalog.ingredients).
_FREE_OF = {"grain_free": "grains", "gluten_free": "gluten", "pea_free": "peas"}


def superlative(p: ProductSummary, kind: str, shown: int) -> str:
    what = {
        "cheapest": f"the cheapest at ${p.price:.2f}",
        "priciest": f"the priciest at ${p.price:.2f}",
        "most_protein": f"the richest in protein ({p.protein_min:g}%)" if p.protein_min is not None else "",
        "best_rated": f"the best rated ({p.rating:.1f} from {p.review_count:,} reviews)" if p.rating else "",
        "least_fat": f"the leanest ({p.fat_min:g}% fat at least, on its label)" if p.fat_min is not None else "",
        "fewest_calories": f"the lowest in calories ({p.kcal_per_kg:,.0f} kcal per kg)" if p.kcal_per_kg else "",
    }.get(kind, "")
    if not what:
        return ""
    return f"Of the {shown} I showed, **{short_title(p.title)}** is {what}. "


def no_superlative(kind: str, shown: int) -> str:
    """ "which has the least fat?" when no product shown lists it: said, not guessed."""
    what = {"least_fat": "fat content", "fewest_calories": "calories"}.get(kind, "that")
    return (
        f"None of the {shown} products I showed lists its {what}, so I can't tell which one is lowest. "
        "I can show the details of any of them, or compare them side by side."
    )


def why(p: ProductSummary, profile: PetProfile) -> str:
    """The reason a shown product fits the pet, from the facts (the same reason its card gave)."""
    if profile.is_empty():
        return f"I showed **{short_title(p.title)}** because it matched your search. "
    return f"I picked **{short_title(p.title)}** for {profile.describe()}: {fit_reason(p, profile)}. "


def comparison(result: ComparisonResult, key: str) -> str:
    """The table is the comparison; the message is a one-sentence verdict."""
    cheapest = min(result.products, key=lambda p: p.price)
    top = max(result.products, key=lambda p: (p.rating or 0.0, p.review_count))
    proteins = [p for p in result.products if p.protein_min is not None]
    richest = max(proteins, key=lambda p: p.protein_min or 0.0) if len(proteins) >= 2 else None
    if cheapest.id != top.id:
        verdict = (
            f"My take: **{short_title(cheapest.title)}** if price matters most (${cheapest.price:.2f}), "
            f"**{short_title(top.title)}** for the best reviews"
        )
    else:
        verdict = f"My take: **{short_title(cheapest.title)}** is both the cheapest and the best reviewed here"
    if richest is not None and richest.id not in (cheapest.id, top.id):
        verdict += f", **{short_title(richest.title)}** for the most protein ({richest.protein_min:g}%)"
    return verdict + "."


def tool_error(message: str) -> str:
    follow = " Could you pick one of the products shown?" if "no product" in message else ""
    return f"Sorry, I couldn't do that: {message.rstrip('.')}.{follow}"
