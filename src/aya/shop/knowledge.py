"""Knowledge answers computed from product data with standard formulas, each stating its assumptions.

- :func:`daily_calories` — resting energy requirement ``RER = 70 × kg^0.75`` times the usual factor for species,
  life stage, neuter status, activity and weight goal (:func:`energy_factor`, values in ``data/knowledge.toml``).
- :func:`daily_amount` — that energy in cups, grams or cans of a product, from the product's OWN calorie statement
  (kcal per cup, per kg, per can); without calorie data it says so and never guesses.
- :func:`unit_prices` — price per lb, per kg, per can; :func:`cost_per_day` — per day and per month;
  :func:`bag_duration` — how long a package lasts.
- :func:`transition_schedule` — the 7–10 day switch from the old food to the new one.
- :func:`canned_answer` — short honest answers to common questions (grain-free and heart disease, wet versus dry,
  reading the guaranteed analysis, novel and hydrolyzed protein…) from ``data/knowledge.toml``; ``None`` when there
  is none, so the caller says it does not know and suggests the vet.

Everything here is pure and synchronous (no I/O after the data file is read once).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

from aya.catalog.ingredients import describe as describe_family
from aya.catalog.ingredients import explain as explain_term
from aya.catalog.ingredients import family_of

__all__ = [
    "Amount",
    "CalorieEstimate",
    "PetFacts",
    "UnitPrices",
    "bag_duration",
    "canned_answer",
    "cost_per_day",
    "daily_amount",
    "daily_calories",
    "energy_factor",
    "parse_weight_kg",
    "resting_energy",
    "transition_schedule",
    "unit_prices",
]

LB = 0.45359237
OZ = 0.028349523125
GRAMS_PER_CUP_DRY = 100.0  # used only to convert a kcal/kg statement when a product gives no kcal/cup (said so)

Goal = Literal["lose", "maintain", "gain"]
Activity = Literal["low", "normal", "high"]


@dataclass(frozen=True)
class PetFacts:
    """What a feeding calculation needs. ``weight_kg`` is the pet's current weight (for weight loss: its ideal weight
    when known, see ``ideal_weight_kg``)."""

    species: Literal["dog", "cat"]
    weight_kg: float
    age_years: float | None = None
    life_stage: str | None = None  # puppy, kitten, adult, senior (derived from the age when missing)
    neutered: bool | None = None  # None: assumed neutered (most pets are), and said so
    goal: Goal = "maintain"
    activity: Activity = "normal"
    ideal_weight_kg: float | None = None


@dataclass(frozen=True)
class CalorieEstimate:
    rer: float  # kcal/day at rest
    factor: float
    factor_label: str  # "neutered adult dog"
    kcal_per_day: float
    assumptions: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        return (
            f"about {self.kcal_per_day:,.0f} kcal a day (resting energy 70 × {self._kg_text()}^0.75 = "
            f"{self.rer:,.0f} kcal, × {self.factor:g} for a {self.factor_label})"
        )

    def _kg_text(self) -> str:
        kg = (self.rer / 70) ** (1 / 0.75)
        return f"{kg:.1f} kg"


@dataclass(frozen=True)
class Amount:
    """A daily amount of one product: ``text`` ("1¾ cups (about 175 g) a day"), or ``known=False`` with the reason."""

    known: bool
    text: str
    per_day_grams: float | None = None
    per_day_cups: float | None = None
    per_day_cans: float | None = None
    basis: str = ""  # which calorie statement was used


@dataclass(frozen=True)
class UnitPrices:
    per_lb: float | None = None
    per_kg: float | None = None
    per_can: float | None = None
    cans: int | None = None
    can_oz: float | None = None
    net_kg: float | None = None

    def sentence(self) -> str:
        parts: list[str] = []
        if self.per_can is not None:
            parts.append(f"${self.per_can:.2f} per can")
        if self.per_lb is not None:
            parts.append(f"${self.per_lb:.2f} per lb")
        if self.per_kg is not None:
            parts.append(f"${self.per_kg:.2f} per kg")
        return ", ".join(parts) if parts else "no package weight on the label, so no unit price"


# --- data --------------------------------------------------------------------------------------------------------


@cache
def _data() -> dict[str, object]:
    raw = resources.files("aya.shop").joinpath("data/knowledge.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def _factors() -> dict[str, dict[str, float]]:
    f = _data()["factors"]
    assert isinstance(f, dict)
    return f


# --- energy ------------------------------------------------------------------------------------------------------


def resting_energy(weight_kg: float) -> float:
    """RER in kcal/day: 70 × kg^0.75 (valid for every size of dog and cat)."""
    if weight_kg <= 0:
        raise ValueError("weight must be positive")
    return float(70.0 * weight_kg**0.75)


def life_stage_of(species: str, age_years: float | None, life_stage: str | None = None) -> str:
    if life_stage in ("puppy", "kitten", "adult", "senior"):
        return life_stage
    if age_years is None:
        return "adult"
    if age_years < 1:
        return "puppy" if species == "dog" else "kitten"
    if age_years >= (7 if species == "dog" else 11):
        return "senior"
    return "adult"


def energy_factor(pet: PetFacts) -> tuple[float, str, list[str]]:
    """The multiplier of RER for this pet, its label, and the assumptions made."""
    table = _factors()[pet.species]
    stage = life_stage_of(pet.species, pet.age_years, pet.life_stage)
    assumptions: list[str] = []
    animal = pet.species
    if stage in ("puppy", "kitten"):
        if pet.species == "dog" and pet.age_years is not None and pet.age_years < 4 / 12:
            return table["puppy_under_4_months"], "puppy under 4 months", assumptions
        if stage == "puppy":
            return table["puppy"], "puppy (4 months to adult)", assumptions
        return table["kitten"], "kitten", assumptions
    if pet.goal == "lose":
        return table["weight_loss"], f"{animal} losing weight (fed for the ideal weight)", assumptions
    if pet.goal == "gain":
        return table["weight_gain"], f"{animal} gaining weight", assumptions
    neutered = pet.neutered
    if neutered is None:
        neutered = True
        assumptions.append("spayed or neutered")
    if stage == "senior":
        key, label = "senior", f"senior {animal}"
    elif neutered:
        key, label = "neutered_adult", f"spayed/neutered adult {animal}"
    else:
        key, label = "intact_adult", f"intact adult {animal}"
    factor = table[key]
    if pet.activity == "low":
        factor, label = table["inactive"], f"less active {label}"
    elif pet.activity == "high":
        factor, label = table["active"], f"very active {label}"
    else:
        assumptions.append("normal activity")
    return factor, label, assumptions


def daily_calories(pet: PetFacts) -> CalorieEstimate:
    """Daily energy need: RER × factor, rounded; assumptions listed (neuter status, activity)."""
    weight = pet.ideal_weight_kg if pet.goal == "lose" and pet.ideal_weight_kg else pet.weight_kg
    rer = resting_energy(weight)
    factor, label, assumptions = energy_factor(pet)
    if pet.goal == "lose" and not pet.ideal_weight_kg:
        assumptions.append("fed for the current weight (your vet can tell you the ideal weight to aim for)")
    return CalorieEstimate(
        rer=round(rer, 1),
        factor=factor,
        factor_label=label,
        kcal_per_day=round(rer * factor, 0),
        assumptions=assumptions,
    )


def daily_amount(
    kcal_per_day: float,
    *,
    kcal_per_cup: float | None = None,
    kcal_per_kg: float | None = None,
    kcal_per_can: float | None = None,
    food_type: str | None = None,
) -> Amount:
    """The daily amount of one product that gives ``kcal_per_day``, from its own calorie statement."""
    if kcal_per_can:
        cans = kcal_per_day / kcal_per_can
        return Amount(True, f"{_fraction(cans)} {'can' if cans <= 1 else 'cans'} a day", per_day_cans=cans,
                      basis=f"{kcal_per_can:g} kcal per can")  # fmt: skip
    if kcal_per_cup and (food_type in (None, "dry", "freeze_dried", "air_dried", "treat", "topper")):
        cups = kcal_per_day / kcal_per_cup
        grams = kcal_per_day / kcal_per_kg * 1000 if kcal_per_kg else None
        extra = f" (about {grams:,.0f} g)" if grams else ""
        return Amount(True, f"{_fraction(cups)} {'cup' if cups <= 1 else 'cups'}{extra} a day", per_day_grams=grams,
                      per_day_cups=cups, basis=f"{kcal_per_cup:g} kcal per cup")  # fmt: skip
    if kcal_per_kg:
        grams = kcal_per_day / kcal_per_kg * 1000
        return Amount(True, f"about {grams:,.0f} g a day", per_day_grams=grams, basis=f"{kcal_per_kg:,.0f} kcal per kg")
    return Amount(False, "this product's label gives no calorie content, so I can't turn that into an amount of it")


# --- money -------------------------------------------------------------------------------------------------------

_CASE = re.compile(
    r"(?:case|pack|box) of (\d+)|(\d+)\s*(?:x|×)\s*(\d+(?:\.\d+)?)\s*-?\s*oz|(\d+)\s*(?:-?\s*)(?:count|ct|cans)\b", re.I
)
_OZ = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*oz\b", re.I)
_LB = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(?:lb|lbs|pound|pounds)\b", re.I)
_KG = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*kg\b", re.I)


def parse_package(size: str, title: str = "") -> tuple[float | None, int | None, float | None]:
    """(net kg, number of cans, oz per can) from a package text ("12.5-oz, case of 12", "30-lb bag")."""
    text = size or ""
    if not (_OZ.search(text) or _LB.search(text) or _KG.search(text)):
        text = f"{text} {title}"
    cans = per_oz = None
    m = _CASE.search(text)
    if m:
        if m.group(1):
            cans = int(m.group(1))
        elif m.group(2):
            cans, per_oz = int(m.group(2)), float(m.group(3))
        elif m.group(4):
            cans = int(m.group(4))
    if per_oz is None and (mo := _OZ.search(text)) and cans:
        per_oz = float(mo.group(1))
    if cans and per_oz:
        return cans * per_oz * OZ, cans, per_oz
    if mlb := _LB.search(text):
        return float(mlb.group(1)) * LB, None, None
    if mkg := _KG.search(text):
        return float(mkg.group(1)), None, None
    if mo := _OZ.search(text):
        return float(mo.group(1)) * OZ, None, None
    return None, None, None


def unit_prices(price: float, size: str, *, title: str = "", package_weight_kg: float | None = None) -> UnitPrices:
    """Price per lb, per kg and (for cases of cans) per can."""
    net, cans, can_oz = parse_package(size, title)
    if net is None:
        net = package_weight_kg
    if not net:
        return UnitPrices()
    return UnitPrices(
        per_lb=round(price / (net / LB), 2),
        per_kg=round(price / net, 2),
        per_can=round(price / cans, 2) if cans else None,
        cans=cans,
        can_oz=can_oz,
        net_kg=round(net, 3),
    )


def cost_per_day(price: float, net_kg: float | None, grams_per_day: float | None) -> tuple[float, float] | None:
    """(per day, per 30-day month) in dollars, or ``None`` without a package weight or a daily amount."""
    if not net_kg or not grams_per_day:
        return None
    per_day = price / (net_kg * 1000) * grams_per_day
    return round(per_day, 2), round(per_day * 30, 2)


def bag_duration(net_kg: float | None, grams_per_day: float | None) -> float | None:
    """Days a package lasts at ``grams_per_day``."""
    if not net_kg or not grams_per_day:
        return None
    return net_kg * 1000 / grams_per_day


# --- switching ---------------------------------------------------------------------------------------------------


def transition_schedule(days: int = 8) -> list[str]:
    """A gradual switch over 7–10 days: the share of new food rises in four steps."""
    days = max(7, min(10, days))
    base, extra = divmod(days - 1, 3)
    lengths = [base + (1 if i < extra else 0) for i in range(3)]
    lines: list[str] = []
    start = 1
    for (new, old), length in zip([(25, 75), (50, 50), (75, 25)], lengths, strict=True):
        end = start + length - 1
        span = f"Day {start}" if end == start else f"Days {start}–{end}"
        lines.append(f"{span}: {new}% new food, {old}% old")
        start = end + 1
    lines.append(f"Day {start} on: 100% new food")
    return lines


# --- canned answers ----------------------------------------------------------------------------------------------


def question_answer(question: str) -> str | None:
    """The data file's answer to a common question ("is grain free bad for the heart?"), by its patterns only (never
    a glossary entry: "grain free food for my dog?" asks for food, not what grain-free means)."""
    q = question.lower()
    answers = _data().get("answers", {})
    assert isinstance(answers, dict)
    best: tuple[int, str] | None = None
    for spec in answers.values():
        for pattern in spec["patterns"]:
            if re.search(pattern, q):
                score = len(pattern)
                if best is None or score > best[0]:
                    best = (score, str(spec["answer"]))
    return best[1] if best else None


def canned_answer(question: str) -> str | None:
    """An honest short answer to a common question, from the data file; ``None`` when none fits."""
    q = question.lower()
    answer = question_answer(q)
    if answer:
        return answer
    term = explain_term(q)
    if term:
        return term
    m = re.search(r"\b(?:what|which) (?:counts as|is in|ingredients are|names? (?:does|for))\s+([\w ]+?)\??$", q)
    if m and (fam := family_of(m.group(1))):
        return describe_family(fam)
    return None


def unknown_answer() -> str:
    return str(
        _data().get("unknown", "I don't know that one, and I'd rather not guess: your vet is the best person to ask.")
    )


def parse_weight_kg(text: str) -> float | None:
    """A pet's weight from words: "11 lbs", "5 kg", "11 pounds", "4.5kg", "60lb" → kg."""
    m = re.search(r"(\d+(?:\.\d+)?)\s*-?\s*(lbs?|pounds?|kgs?|kilos?|kilograms?)\b", text.lower())
    if not m:
        return None
    value = float(m.group(1))
    return round(value * LB, 3) if m.group(2).startswith(("lb", "pound")) else value


def _fraction(x: float) -> str:
    """1.74 -> "1¾", 0.5 -> "½", 2.1 -> "2" (nearest quarter; below ¼: one decimal)."""
    if x < 0.2:
        return f"{x:.1f}"
    quarters = round(x * 4)
    whole, q = divmod(quarters, 4)
    frac = {0: "", 1: "¼", 2: "½", 3: "¾"}[q]
    if whole == 0:
        return frac or "0"
    return f"{whole}{frac}"


def format_days(days: float) -> str:
    if days >= 60:
        return f"about {days / 30:.1f} months"
    if days < 1:
        return "less than a day"
    if days < 2:
        return "about a day"
    return f"about {math.floor(days)} days"


def join_assumptions(items: Sequence[str]) -> str:
    return ", ".join(items)
