"""Conversation evaluation over the REAL Chewy catalogs (../shared/data): does what Aya shows fit what was asked?

Realistic multi-turn conversations, written the way owners type (lowercase, typos, run-ons, corrections, two pets,
negations, questions that are not searches), run through the real app over the ChatKit protocol with the offline model.
Every product card shown is checked against what the shopper has said so far (species, life stage, breed size, food
type, brands refused or wanted, ingredients to avoid, budget, vet diets); turns that must not show products
(emergencies, greetings, knowledge questions) are checked for that. The constraint checks here are written
independently of Aya's own rules (their own ingredient lists and regular expressions), so a rule that only passes its
own examples shows up here.

Prints the share of shown products that fit, per category, and a ``key=value`` summary line. Not a test: an evaluation,
like benchmarks/relevance.py. Skips with a message when ../shared/data is absent.

    .venv/bin/python benchmarks/conversation_eval.py [-v]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import machine  # noqa: E402
from tests.shop.chatclient import ShopChat  # noqa: E402
from tests.shop.conftest import serving  # noqa: E402

from aya.catalog.importers import Reject, load_mapping, read_mapped  # noqa: E402
from aya.catalog.models import Product  # noqa: E402
from aya.core.settings import Settings  # noqa: E402
from aya.search.factory import open_search  # noqa: E402
from aya.search.ingest import ingest_products  # noqa: E402
from aya.web.app import create_app  # noqa: E402

SHARED = Path(os.environ.get("AYA_SHARED_DATA", ROOT.parent / "shared" / "data"))
MAPPINGS = ROOT / "tests" / "catalog" / "mappings"
SOURCES = [
    ("chewy-catfood-2021/data/external/raw_chewy_data_2021_04_16.csv", "chewy_cat_2021.toml"),
    ("chewy-dogfood-2017/chewy_drydogfood/drydogfood.csv", "chewy_dog_2017.toml"),
    ("chewy-dogfood-2017/chewy_wetdogfood/wetdogfood.csv", "chewy_dog_2017.toml"),
]

# Ingredient families as this evaluation reads labels (independent of aya's own data file).
FAMILY = {
    "chicken": r"\bchicken\b|\bpoultry\b|\bfowl\b",
    "beef": r"\bbeef\b|\bbovine\b",
    "fish": r"\bfish\b|\bsalmon\b|\btuna\b|\bwhitefish\b|\bcod\b|\bherring\b|\btrout\b|\bsardines?\b|\banchov|"
    r"\bmackerel\b|\bmenhaden\b|\bpollock\b|\bflounder\b|\bocean fish\b",
    "grain": r"\bwheat\b|\bcorn\b|\bbarley\b|\brice\b|\boat(s|meal)?\b|\bsorghum\b|\bmillet\b|\brye\b",
    "pea": r"\bpeas?\b|\bpea protein\b|\bpea fiber\b",
    "lamb": r"\blamb\b",
    "turkey": r"\bturkey\b",
    "duck": r"\bduck\b",
    "legume": r"\bpeas?\b|\blentils?\b|\bchick ?peas?\b|\bgarbanzo|\bfava\b|\blegumes?\b",
    "wheat": r"\bwheat\b",
    "corn": r"\bcorn\b|\bmaize\b",
    "soy": r"\bsoy",
    "dairy": r"\bmilk\b|\bcheese\b|\bdairy\b|\bwhey\b|\byogurt\b|\bcasein\b|\blactose\b",
    "egg": r"\beggs?\b|\begg product\b",
}
VET = re.compile(
    r"prescription diet|veterinary diet|vet(erinary)? formula|\bvd\b|\bk/d\b|\bc/d\b|\bi/d\b|\bw/d\b|\bz/d\b|"
    r"\bu/d\b|\br/d\b|\bh/d\b|\bj/d\b|\bl/d\b|\bnf\b kidney|\bha\b hydrolyzed|\bur\b urinary|\ben\b gastro|"
    r"\bom\b overweight|royal canin veterinary|pro plan veterinary|\bhydrolyzed protein\b|"
    r"\bprescription\b|veterinary select",  # Addiction's "prescription dry dog food", HI-TOR Veterinary Select
    re.IGNORECASE,
)
LARGE = {"large", "giant"}
SMALL = {"toy", "small"}


@dataclass
class Want:
    """What the shopper asked for, so far, for the active pet."""

    species: str | None = None
    life_stage: str | None = None  # puppy | kitten | adult | senior
    food_types: set[str] | None = None  # acceptable
    not_food_types: set[str] = field(default_factory=set)
    size: str | None = None  # "small" (toy/small dog) | "large" (large/giant dog)
    brands_not: set[str] = field(default_factory=set)
    brands: set[str] | None = None
    avoid: set[str] = field(default_factory=set)  # FAMILY keys
    price_max: float | None = None
    vet_ok: bool = False
    line: str | None = None  # a product line named (a regular expression on the title): "urinary so", "k/d"


@dataclass
class Turn:
    say: str
    want: Want | None = None  # None: no product rule for this turn
    expect: str = "any"  # products | none | emergency | any


@dataclass
class Convo:
    name: str
    category: str
    turns: list[Turn]
    batch: str = "earlier"  # "december": the batch written for issue #10's held-out round, run alone with --batch


def W(**kw: Any) -> Want:
    for key in ("food_types", "not_food_types", "brands_not", "brands", "avoid"):
        if key in kw and not isinstance(kw[key], set):
            kw[key] = set(kw[key])
    return Want(**kw)


CONVOS: list[Convo] = [
    # --- breeds, sizes, ages -----------------------------------------------------------------------------------------
    Convo(
        "toy poodle correction",
        "breeds",
        [
            Turn("need puppy food for my poodle", W(species="dog", life_stage="puppy")),
            Turn(
                "oops sorry, TOY poodle. shes 4 months", W(species="dog", life_stage="puppy", size="small"), "products"
            ),
        ],
    ),
    Convo(
        "70 lb lab",
        "breeds",
        [
            Turn("food for a 70lb lab, hes 5", W(species="dog", life_stage="adult", size="large"), "products"),
        ],
    ),
    Convo(
        "pug adult",
        "breeds",
        [
            Turn("what do u have for pugs? mine is 3 yrs old", W(species="dog", size="small"), "products"),
        ],
    ),
    Convo(
        "great dane puppy",
        "breeds",
        [
            Turn(
                "Great Dane pup, 10 weeks old. what should he eat",
                W(species="dog", life_stage="puppy", size="large"),
                "products",
            ),
        ],
    ),
    Convo(
        "germn shepard typo",
        "breeds",
        [
            Turn(
                "dry food for my germn shepard she's 2", W(species="dog", size="large", food_types={"dry"}), "products"
            ),
        ],
    ),
    Convo(
        "chihuahua senior",
        "breeds",
        [
            Turn(
                "my chihuahua is getting older, like 11 now. any good food?",
                W(species="dog", life_stage="senior", size="small"),
                "products",
            ),
        ],
    ),
    Convo(
        "yorkie wet",
        "breeds",
        [
            Turn("canned food for a yorkie", W(species="dog", size="small", food_types={"wet"}), "products"),
        ],
    ),
    Convo(
        "golden puppy sensitive stomach",
        "breeds",
        [
            Turn(
                "I need food for my 3-month-old golden retriever puppy with a sensitive stomach",
                W(species="dog", life_stage="puppy", size="large"),
                "products",
            ),
        ],
    ),
    Convo(
        "doodle mix",
        "breeds",
        [
            Turn(
                "hi we have a goldendoodle puppy, 12 wks. what kibble do you recommend",
                W(species="dog", life_stage="puppy", food_types={"dry"}),
                "products",
            ),
        ],
    ),
    Convo(
        "kitten weeks",
        "breeds",
        [
            Turn("just adopted a kitten, she's 9 weeks", W(species="cat", life_stage="kitten"), "products"),
        ],
    ),
    Convo(
        "maine coon senior",
        "breeds",
        [
            Turn(
                "maine coon, 12 years old, wet food pls",
                W(species="cat", life_stage="senior", food_types={"wet"}),
                "products",
            ),
        ],
    ),
    # --- negations -------------------------------------------------------------------------------------------------
    Convo(
        "no purina or pedigree",
        "negation",
        [
            Turn(
                "dog food for my adult beagle. NO purina or pedigree",
                W(species="dog", brands_not={"purina", "pedigree"}),
                "products",
            ),
        ],
    ),
    Convo(
        "only dry she wont touch wet",
        "negation",
        [
            Turn("food for my cat", W(species="cat")),
            Turn("only dry pls, she won't touch wet", W(species="cat", food_types={"dry"}), "products"),
        ],
    ),
    Convo(
        "not grain free",
        "negation",
        [
            Turn("my vet said no grain free for my dog. adult lab", W(species="dog", size="large"), "products"),
        ],
    ),
    Convo(
        "anything but chicken",
        "negation",
        [
            Turn("cat food, anything but chicken", W(species="cat", avoid={"chicken"}), "products"),
        ],
    ),
    Convo(
        "chicken whole life",
        "negation",
        [
            Turn(
                "my dog has eaten chicken and beef his whole life, i want something different",
                W(species="dog", avoid={"chicken", "beef"}),
                "products",
            ),
        ],
    ),
    Convo(
        "no fish",
        "negation",
        [
            Turn(
                "wet food for my senior cat without fish please",
                W(species="cat", life_stage="senior", food_types={"wet"}, avoid={"fish"}),
                "products",
            ),
        ],
    ),
    Convo(
        "isnt overweight",
        "negation",
        [
            Turn(
                "adult cat, she isn't overweight, just picky. dry food",
                W(species="cat", food_types={"dry"}),
                "products",
            ),
        ],
    ),
    # --- allergies (safety) ---------------------------------------------------------------------------------------
    Convo(
        "lab allergic chicken beef",
        "allergy",
        [
            Turn("my lab is allergic to chicken and beef", W(species="dog", avoid={"chicken", "beef"})),
            Turn("ok what dry food then", W(species="dog", avoid={"chicken", "beef"}, food_types={"dry"}), "products"),
            Turn("something cheaper?", W(species="dog", avoid={"chicken", "beef"}, food_types={"dry"})),
        ],
    ),
    Convo(
        "cat allergic fish",
        "allergy",
        [
            Turn(
                "my cat is allergic to fish, she's 4. wet food?",
                W(species="cat", avoid={"fish"}, food_types={"wet"}),
                "products",
            ),
            Turn("more like the first one", W(species="cat", avoid={"fish"})),
        ],
    ),
    Convo(
        "poultry allergy typo",
        "allergy",
        [
            Turn("dog w/ poultry allergy, needs grain free", W(species="dog", avoid={"chicken", "turkey"}), "products"),
        ],
    ),
    # --- budget and numbers ----------------------------------------------------------------------------------------
    Convo(
        "under 30",
        "budget",
        [
            Turn(
                "dry food for my adult dog under $30", W(species="dog", food_types={"dry"}, price_max=30.0), "products"
            ),
        ],
    ),
    Convo(
        "40 bucks month not age",
        "budget",
        [
            Turn(
                "i can spend around 40 bucks on a bag of cat food, adult cat",
                W(species="cat", life_stage="adult", price_max=45.0),
                "products",
            ),
        ],
    ),
    Convo(
        "duration not age",
        "budget",
        [
            Turn(
                "my 6 yr old cat has been throwing up for like a week, food for sensitive stomach?",
                W(species="cat", life_stage="adult"),
            ),
        ],
    ),
    # --- two pets ----------------------------------------------------------------------------------------------------
    Convo(
        "beagle and kitten",
        "two pets",
        [
            Turn("13 yo beagle with kidney issues and also a new kitten", W(vet_ok=True)),
            Turn("start with the kitten", W(species="cat", life_stage="kitten"), "products"),
            Turn("ok now the dog", W(species="dog", life_stage="senior", vet_ok=True)),
        ],
    ),
    Convo(
        "other cat kitten",
        "two pets",
        [
            Turn("my cat has urinary problems, she's 8, dry food", W(species="cat", vet_ok=True)),
            Turn("what about for my other cat, he's a kitten", W(species="cat", life_stage="kitten"), "products"),
        ],
    ),
    Convo(
        "dog and cat both",
        "two pets",
        [
            Turn("i have a puppy and a senior cat", None),
            Turn("the cat first. wet food", W(species="cat", life_stage="senior", food_types={"wet"}), "products"),
        ],
    ),
    # --- brands and lines --------------------------------------------------------------------------------------------
    Convo(
        "hills kd",
        "brands",
        [
            Turn(
                "do you have hills k/d for my cat? she has kidney disease",
                W(species="cat", brands={"hill"}, vet_ok=True),
                "products",
            ),
        ],
    ),
    Convo(
        "science diet hairball",
        "brands",
        [
            Turn("science diet hairball control for indoor cats", W(species="cat", brands={"hill"}), "products"),
        ],
    ),
    Convo(
        "blue wilderness",
        "brands",
        [
            Turn(
                "blue wilderness for a large breed puppy",
                W(species="dog", life_stage="puppy", brands={"blue"}),
                "products",
            ),
        ],
    ),
    Convo(
        "royal canin",
        "brands",
        [
            Turn("royal canin for my persian cat", W(species="cat", brands={"royal canin"}), "products"),
        ],
    ),
    # --- vocabulary ---------------------------------------------------------------------------------------------------
    Convo(
        "moist food older cat",
        "vocabulary",
        [
            Turn("moist food for an older cat", W(species="cat", life_stage="senior", food_types={"wet"}), "products"),
        ],
    ),
    Convo(
        "kibble senior dog",
        "vocabulary",
        [
            Turn(
                "kibble for my mature dog, he's 9",
                W(species="dog", life_stage="senior", food_types={"dry"}),
                "products",
            ),
        ],
    ),
    Convo(
        "chunky cat",
        "vocabulary",
        [
            Turn(
                "my cat is a bit chunky, 6 years old. dry food to help her lose weight",
                W(species="cat", food_types={"dry"}),
                "products",
            ),
        ],
    ),
    Convo(
        "itchy dog",
        "vocabulary",
        [
            Turn("my dog is super itchy and has hot spots, what food", W(species="dog"), "products"),
        ],
    ),
    # --- follow-ups ---------------------------------------------------------------------------------------------
    Convo(
        "cheaper then wet",
        "follow-ups",
        [
            Turn("adult cat food", W(species="cat")),
            Turn("something cheaper?", W(species="cat")),
            Turn("only wet food", W(species="cat", food_types={"wet"}), "products"),
        ],
    ),
    Convo(
        "puppy then dry only",
        "follow-ups",
        [
            Turn("puppy food for a beagle", W(species="dog", life_stage="puppy")),
            Turn("only dry", W(species="dog", life_stage="puppy", food_types={"dry"}), "products"),
        ],
    ),
    # --- safety: emergencies and vet diets -----------------------------------------------------------------------
    Convo("grapes", "emergency", [Turn("help my dog just ate a bunch of grapes what do i do", None, "emergency")]),
    Convo("chocolate", "emergency", [Turn("my puppy got into the chocolate bar, hes shaking", None, "emergency")]),
    Convo("lily cat", "emergency", [Turn("my cat chewed on a lily leaf this morning is that bad", None, "emergency")]),
    Convo(
        "straining cat",
        "emergency",
        [Turn("male cat keeps going to the litter box and nothing comes out, crying", None, "emergency")],
    ),
    Convo("xylitol gum", "emergency", [Turn("dog ate sugar free gum w xylitol!!", None, "emergency")]),
    Convo(
        "chunky no vet diet",
        "safety",
        [
            Turn("healthy but a bit chunky cat, 5 yo, needs diet food", W(species="cat", vet_ok=False), "products"),
        ],
    ),
    Convo(
        "chocolate lab not emergency",
        "safety",
        [
            Turn("food for my chocolate lab puppy", W(species="dog", life_stage="puppy", size="large"), "products"),
        ],
    ),
    # --- not searches ----------------------------------------------------------------------------------------------
    Convo("greeting", "not search", [Turn("hiii! how's your day going?", None, "none")]),
    Convo(
        "thanks",
        "not search",
        [
            Turn("dry food for adult dog", W(species="dog", food_types={"dry"})),
            Turn("thanks so much!", None, "none"),
        ],
    ),
    Convo(
        "feeding amount",
        "not search",
        [
            Turn("dry food for my adult cat", W(species="cat", food_types={"dry"})),
            Turn("how much of the first one should I feed her? she's 11 lbs", None, "none"),
        ],
    ),
    # --- held out: written after the first run, never tuned against ----------------------------------------------
    Convo(
        "correction age",
        "held out",
        [
            Turn("food for my cat shes 6", W(species="cat")),
            Turn(
                "actually she's 12 not 6. wet pls",
                W(species="cat", life_stage="senior", food_types={"wet"}),
                "products",
            ),
        ],
    ),
    Convo(
        "mini schnauzer stones",
        "held out",
        [
            Turn(
                "my mini schnauzer had bladder stones removed last month, what should she eat",
                W(species="dog", size="small", vet_ok=True),
            ),
        ],
    ),
    Convo(
        "frenchie no chicken typo",
        "held out",
        [
            Turn(
                "frenchie puppy, chiken makes him itchy",
                W(species="dog", life_stage="puppy", avoid={"chicken"}),
                "products",
            ),
        ],
    ),
    Convo(
        "st bernard",
        "held out",
        [
            Turn("saint bernard 8 months old food", W(species="dog", life_stage="puppy", size="large"), "products"),
        ],
    ),
    Convo(
        "shih tzu senior wet no beef",
        "held out",
        [
            Turn(
                "senior shih tzu, wet food, nothing with beef",
                W(species="dog", life_stage="senior", size="small", food_types={"wet"}, avoid={"beef"}),
                "products",
            ),
        ],
    ),
    Convo(
        "two cats one allergic",
        "held out",
        [
            Turn("i have two cats, luna is allergic to fish", W(species="cat", avoid={"fish"})),
            Turn("dry food for luna", W(species="cat", avoid={"fish"}, food_types={"dry"}), "products"),
        ],
    ),
    Convo(
        "cheaper keeps allergy",
        "held out",
        [
            Turn("grain free dog food no chicken for my husky", W(species="dog", avoid={"chicken"}), "products"),
            Turn("anything cheaper", W(species="dog", avoid={"chicken"})),
            Turn("ok what about wet", W(species="dog", avoid={"chicken"}, food_types={"wet"})),
        ],
    ),
    Convo("vegan cat", "held out", [Turn("do you have vegan food for my cat? we're vegan", None, "any")]),
    Convo("antifreeze", "held out", [Turn("i think my dog licked antifreeze in the garage", None, "emergency")]),
    Convo("seizure", "held out", [Turn("my cat is having a seizure right now", None, "emergency")]),
    Convo("raisins typo", "held out", [Turn("dog ate like 10 raisns is he ok", None, "emergency")]),
    Convo(
        "grapes not an emergency",
        "held out",
        [
            Turn("puppy food without grapes or raisins in it lol", W(species="dog", life_stage="puppy")),
        ],
    ),
    Convo(
        "purina pro plan only",
        "held out",
        [
            Turn(
                "purina pro plan for my adult german shepherd",
                W(species="dog", brands={"purina"}, size="large"),
                "products",
            ),
        ],
    ),
    Convo(
        "blue buffalo kitten",
        "held out",
        [
            Turn(
                "blue buffalo wet for kitten",
                W(species="cat", life_stage="kitten", brands={"blue"}, food_types={"wet"}),
                "products",
            ),
        ],
    ),
    Convo(
        "budget per bag",
        "held out",
        [
            Turn("cat food, my budget is like $25 a bag", W(species="cat", price_max=25.0), "products"),
        ],
    ),
    Convo(
        "no pedigree typo",
        "held out",
        [
            Turn(
                "dry food for my boxer but not pedigre",
                W(species="dog", brands_not={"pedigree"}, size="large", food_types={"dry"}),
                "products",
            ),
        ],
    ),
    # --- held out, December batch: written before any fix for it, from the Chewy labels and search keywords ----------
    # (run alone with --batch december; its first-run score is in the README)
    Convo(
        "urinary so by line",
        "h: vet diets",
        [
            Turn(
                "my cats on urinary so from the vet, do u carry the dry one",
                W(species="cat", brands={"royal canin"}, vet_ok=True, food_types={"dry"}, line=r"urinary so"),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "kd canned old kitty",
        "h: vet diets",
        [
            Turn(
                "need k/d for my 14 yr old kitty, the canned kind",
                W(species="cat", brands={"hill"}, vet_ok=True, food_types={"wet"}, line=r"k/d"),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "en gastro dog",
        "h: vet diets",
        [
            Turn(
                "en gastro for my dog. vet put him on it after a bad bout of the runs",
                W(species="dog", brands={"purina"}, vet_ok=True, line=r"\ben\b.*gastro"),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "royal canin hydrolyzed",
        "h: vet diets",
        [
            Turn(
                "does royal canin make a hydrolyzed protein for dogs? vet wants my pittie on it",
                W(species="dog", brands={"royal canin"}, vet_ok=True, line=r"hydrolyzed|selected protein|ultamino"),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "cd struvite",
        "h: vet diets",
        [
            Turn(
                "vet said c/d for his struvite crystals, my boy cat is 6",
                W(species="cat", brands={"hill"}, vet_ok=True, line=r"c/d"),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "pudgy dog no vet diet",
        "h: vet diets",
        [
            Turn("my 5yo beagle is getting pudgy, what should he eat", W(species="dog", size="small"), "products"),
        ],
        batch="december",
    ),
    # legumes
    Convo(
        "no peas or lentils dcm",
        "h: legumes",
        [
            Turn(
                "grain free is fine but NO peas or lentils, my vet is worried about DCM. golden retriever 4yrs",
                W(species="dog", size="large", avoid={"pea", "legume"}),
                "products",
            ),
            Turn("dry only", W(species="dog", size="large", avoid={"pea", "legume"}, food_types={"dry"}), "products"),
        ],
        batch="december",
    ),
    Convo(
        "legume free cat",
        "h: legumes",
        [
            Turn(
                "legume free dry food for my cat please",
                W(species="cat", avoid={"legume"}, food_types={"dry"}),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "pea protein boxer pup",
        "h: legumes",
        [
            Turn(
                "my pup reacts to pea protein. shes a 5 month old boxer",
                W(species="dog", life_stage="puppy", size="large", avoid={"pea"}),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "no legumes whatsoever",
        "h: legumes",
        [
            Turn(
                "looking for wet cat food with no legumes whatsoever, no chickpeas no peas nothing",
                W(species="cat", avoid={"legume"}, food_types={"wet"}),
                "products",
            ),
        ],
        batch="december",
    ),
    # two pets of one species
    Convo(
        "two cats older younger",
        "h: two pets",
        [
            Turn("i have 2 cats, a 15 year old and a 1 year old", None),
            Turn(
                "the older one first, she has kidney issues",
                W(species="cat", life_stage="senior", vet_ok=True),
                "products",
            ),
            Turn("now the younger cat, dry food", W(species="cat", life_stage="adult", food_types={"dry"}), "products"),
        ],
        batch="december",
    ),
    Convo(
        "two labs puppy and old",
        "h: two pets",
        [
            Turn("two dogs: an 11 yo lab and a 9 month old lab", None),
            Turn("start with the younger one", W(species="dog", life_stage="puppy", size="large"), "products"),
            Turn("ok and the old guy", W(species="dog", life_stage="senior", size="large"), "products"),
        ],
        batch="december",
    ),
    Convo(
        "kittens and older cat",
        "h: two pets",
        [
            Turn("my kittens are 10 weeks and my other cat is 12", None),
            Turn("food for the older cat, wet", W(species="cat", life_stage="senior", food_types={"wet"}), "products"),
        ],
        batch="december",
    ),
    # a life stage denied
    Convo(
        "not a senior yet",
        "h: life stage",
        [
            Turn(
                "my cat is 7 but she's not a senior yet, wet food",
                W(species="cat", life_stage="adult", food_types={"wet"}),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "not a puppy anymore",
        "h: life stage",
        [
            Turn("puppy food for my dog", W(species="dog", life_stage="puppy")),
            Turn(
                "actually hes not a puppy anymore, he turned one last month",
                W(species="dog", life_stage="adult"),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "no longer a kitten",
        "h: life stage",
        [
            Turn(
                "she's no longer a kitten, 14 months now. indoor cat, dry",
                W(species="cat", life_stage="adult", food_types={"dry"}),
                "products",
            ),
        ],
        batch="december",
    ),
    # names and brand words
    Convo(
        "max the boxer",
        "h: names",
        [
            Turn(
                "my dog Max is a boxer, 3 years, needs dry food",
                W(species="dog", size="large", food_types={"dry"}, brands_not={"nutro max"}),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "bella the dog",
        "h: names",
        [
            Turn(
                "Bella is my 6 year old husky, what wet food do you have",
                W(species="dog", food_types={"wet"}, brands_not={"bella"}),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "coco cat",
        "h: names",
        [
            Turn("food for Coco, she's a 2 yr old siamese", W(species="cat", life_stage="adult"), "products"),
        ],
        batch="december",
    ),
    Convo(
        "wellness for adult cat",
        "h: brands",
        [
            Turn(
                "is wellness any good? for my adult cat, dry",
                W(species="cat", brands={"wellness"}, food_types={"dry"}),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "nutro beagle",
        "h: brands",
        [
            Turn("nutro for my 2 yo beagle", W(species="dog", brands={"nutro"}, size="small"), "products"),
        ],
        batch="december",
    ),
    Convo(
        "wellnes core kitten typo",
        "h: brands",
        [
            Turn("wellnes core for my kitten", W(species="cat", life_stage="kitten", brands={"wellness"}), "products"),
        ],
        batch="december",
    ),
    Convo(
        "taste of the wild pitbull",
        "h: brands",
        [
            Turn("taste of the wild for my pitbull", W(species="dog", brands={"taste of the wild"}), "products"),
        ],
        batch="december",
    ),
    Convo(
        "anything but blue buffalo",
        "h: brands",
        [
            Turn(
                "anything but blue buffalo, my dog got sick on it. hes a 4 yr old aussie",
                W(species="dog", brands_not={"blue buffalo", "blue wilderness"}),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "not hills or royal canin",
        "h: brands",
        [
            Turn(
                "senior cat food but not hills or royal canin, way too pricey",
                W(species="cat", life_stage="senior", brands_not={"hill", "royal canin"}),
                "products",
            ),
        ],
        batch="december",
    ),
    # allergies as long lists
    Convo(
        "frenchie long allergy list",
        "h: allergy",
        [
            Turn(
                "my frenchie is allergic to chicken, beef, dairy, wheat, corn AND soy. 3 yrs",
                W(species="dog", size="small", avoid={"chicken", "beef", "dairy", "wheat", "corn", "soy"}),
                "products",
            ),
            Turn(
                "anything cheaper",
                W(species="dog", size="small", avoid={"chicken", "beef", "dairy", "wheat", "corn", "soy"}),
            ),
        ],
        batch="december",
    ),
    Convo(
        "cat no fish chicken turkey egg",
        "h: allergy",
        [
            Turn(
                "cat cant have fish or chicken or turkey or egg, wet pls",
                W(species="cat", avoid={"fish", "chicken", "turkey", "egg"}, food_types={"wet"}),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "poultry and fish shih tzu",
        "h: allergy",
        [
            Turn(
                "allergy to poultry AND fish, 8 yo shih tzu",
                W(species="dog", size="small", avoid={"chicken", "turkey", "duck", "fish"}),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "allergy kept through a correction",
        "h: allergy",
        [
            Turn("no lamb or beef for my cat, she breaks out", W(species="cat", avoid={"lamb", "beef"})),
            Turn(
                "oh she's a kitten btw, 4 months",
                W(species="cat", life_stage="kitten", avoid={"lamb", "beef"}),
                "products",
            ),
            Turn("whats the cheapest", W(species="cat", life_stage="kitten", avoid={"lamb", "beef"})),
        ],
        batch="december",
    ),
    # budgets
    Convo(
        "under 20 bucks big mutt",
        "h: budget",
        [
            Turn(
                "cheap dry dog food under 20 bucks, 60 lb mutt",
                W(species="dog", food_types={"dry"}, size="large", price_max=20.0),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "15 dollars per bag",
        "h: budget",
        [
            Turn("i only want to spend 15$ per bag on cat food", W(species="cat", price_max=15.0), "products"),
        ],
        batch="december",
    ),
    # breeds misspelled
    Convo(
        "daschund puppy",
        "h: breeds",
        [
            Turn("daschund puppy 3 months", W(species="dog", life_stage="puppy", size="small"), "products"),
        ],
        batch="december",
    ),
    Convo(
        "rotweiler dry",
        "h: breeds",
        [
            Turn("rotweiler 5 yrs old dry food", W(species="dog", size="large", food_types={"dry"}), "products"),
        ],
        batch="december",
    ),
    Convo(
        "pomeranain senior",
        "h: breeds",
        [
            Turn(
                "my pomeranain is 12, kibble suggestions?",
                W(species="dog", size="small", life_stage="senior", food_types={"dry"}),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "bernese puppy",
        "h: breeds",
        [
            Turn(
                "bernese mtn dog puppy, what do you recommend",
                W(species="dog", life_stage="puppy", size="large"),
                "products",
            ),
        ],
        batch="december",
    ),
    Convo(
        "shitzu mix wet",
        "h: breeds",
        [
            Turn("shitzu mix, 14 lb, wet food pls", W(species="dog", size="small", food_types={"wet"}), "products"),
        ],
        batch="december",
    ),
    # emergencies
    Convo(
        "chocolate chips",
        "h: emergency",
        [Turn("HELP my lab ate a whole bag of chocolate chips", None, "emergency")],
        batch="december",
    ),
    Convo(
        "lily pollen",
        "h: emergency",
        [Turn("cat knocked over my lilies and was licking the pollen off her fur", None, "emergency")],
        batch="december",
    ),
    Convo(
        "bloat",
        "h: emergency",
        [
            Turn(
                "dogs belly is swollen and hard and he keeps trying to throw up but nothing comes out",
                None,
                "emergency",
            )
        ],
        batch="december",
    ),
    Convo(
        "antifreeze puddle",
        "h: emergency",
        [Turn("puppy was lapping at green stuff leaking from the car, might be antifreeze??", None, "emergency")],
        batch="december",
    ),
    Convo(
        "trident gum",
        "h: emergency",
        [Turn("found my dog chewing up a pack of trident sugar free gum", None, "emergency")],
        batch="december",
    ),
    Convo(
        "cat grapes",
        "h: emergency",
        [Turn("my cat ate a couple grapes off the counter is that ok", None, "emergency")],
        batch="december",
    ),
    # questions that are not searches
    Convo(
        "grain free vs regular",
        "h: questions",
        [Turn("whats the difference between grain free and regular food?", None, "none")],
        batch="december",
    ),
    Convo(
        "calories second one",
        "h: questions",
        [
            Turn("wet food for my adult cat", W(species="cat", food_types={"wet"}), "products"),
            Turn("how many calories in the 2nd one", None, "none"),
            Turn("does the first one have peas in it", None, "none"),
        ],
        batch="december",
    ),
    Convo(
        "switching tummy",
        "h: questions",
        [Turn("how do i switch her to a new food without upsetting her tummy", None, "none")],
        batch="december",
    ),
    # corrections and run-ons
    Convo(
        "18 months not 8 years",
        "h: corrections",
        [
            Turn("food for my 8 yo cat", W(species="cat")),
            Turn("sorry i meant 18 months, typo", W(species="cat", life_stage="adult"), "products"),
        ],
        batch="december",
    ),
    Convo(
        "wet then dry",
        "h: corrections",
        [
            Turn("wet food for my dog", W(species="dog", food_types={"wet"})),
            Turn("wait no, dry. he won't eat the wet stuff", W(species="dog", food_types={"dry"}), "products"),
        ],
        batch="december",
    ),
    Convo(
        "husband got a cat run-on",
        "h: corrections",
        [
            Turn(
                "ok so my husband got us a cat and shes like 7 months old and super picky she only eats the pate kind",
                W(species="cat", life_stage="kitten", food_types={"wet"}),
                "products",
            ),
        ],
        batch="december",
    ),
    # --- held out, December batch B: written after the December fixes, to measure them on fresh phrasings ---------
    Convo(
        "hills zd allergies",
        "hb: vet diets",
        [
            Turn(
                "hills z/d for my dog, he's got bad food allergies",
                W(species="dog", brands={"hill"}, vet_ok=True, line=r"z/d"),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "pro plan nf cats",
        "hb: vet diets",
        [
            Turn(
                "does pro plan make an NF kidney food for cats",
                W(species="cat", brands={"purina"}, vet_ok=True, line=r"\bnf\b|kidney"),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "rc renal old boy",
        "hb: vet diets",
        [
            Turn(
                "my vet recommended royal canin renal for my old boy cat",
                W(species="cat", brands={"royal canin"}, vet_ok=True, line=r"renal"),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "active lab not senior",
        "hb: life stage",
        [
            Turn(
                "he's 10 but really not a senior, super active lab. dry",
                W(species="dog", life_stage="adult", size="large", food_types={"dry"}),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "not a baby anymore",
        "hb: life stage",
        [
            Turn(
                "my cat's not a baby anymore, just turned 1",
                W(species="cat", life_stage="adult"),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "daisy beagle chicken",
        "hb: names",
        [
            Turn(
                "Daisy is our 4 yr old beagle, she can't have chicken",
                W(species="dog", size="small", avoid={"chicken"}),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "max and ruby",
        "hb: two pets",
        [
            Turn("Max and Ruby are my two cats. Max is 2 and Ruby is 13", None),
            Turn("food for Ruby, wet", W(species="cat", life_stage="senior", food_types={"wet"}), "products"),
        ],
        batch="december-b",
    ),
    Convo(
        "two kitties baby first",
        "hb: two pets",
        [
            Turn("got two kitties, one is 12 and one is just 6 months", None),
            Turn("the baby first", W(species="cat", life_stage="kitten"), "products"),
        ],
        batch="december-b",
    ),
    Convo(
        "no peas lentils chickpeas frenchie",
        "hb: legumes",
        [
            Turn(
                "no peas no lentils no chickpeas for my frenchie pls, vet's orders",
                W(species="dog", size="small", avoid={"legume"}),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "lentil free senior cat",
        "hb: legumes",
        [
            Turn(
                "lentil free wet food for a senior cat",
                W(species="cat", life_stage="senior", food_types={"wet"}),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "no soy corn wheat gsd",
        "hb: allergy",
        [
            Turn(
                "anything w/o soy, corn or wheat for my 2 yo german shepherd",
                W(species="dog", size="large", avoid={"soy", "corn", "wheat"}),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "allergic colon list",
        "hb: allergy",
        [
            Turn(
                "Allergic to: chicken, turkey, duck, eggs. 5 yr old cat, dry pls",
                W(species="cat", food_types={"dry"}, avoid={"chicken", "turkey", "duck", "egg"}),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "nothing over 25 kitten",
        "hb: budget",
        [
            Turn(
                "nothing over $25, 9 week old kitten",
                W(species="cat", life_stage="kitten", price_max=25.0),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "nutro always eaten",
        "hb: brands",
        [
            Turn(
                "Nutro is what she's always eaten but i want to switch, shes a 7 yo cat",
                W(species="cat", brands_not={"nutro"}),
                "products",
            )
        ],
        batch="december-b",
    ),
    Convo(
        "trail mix raisins",
        "hb: emergency",
        [Turn("my pup got into the trail mix w/ raisins in it", None, "emergency")],
        batch="december-b",
    ),
    Convo(
        "easter lilies",
        "hb: emergency",
        [Turn("cat got into the easter lilies on the table", None, "emergency")],
        batch="december-b",
    ),
    Convo(
        "great dane bloated pacing",
        "hb: emergency",
        [Turn("my great dane's stomach looks bloated and he's pacing and drooling", None, "emergency")],
        batch="december-b",
    ),
    Convo(
        "grapes as a treat",
        "hb: questions",
        [Turn("can i give my dog grapes as a treat?", None, "none")],
        batch="december-b",
    ),
    # --- December batch C: written from the Chewy labels, lines and keyword files before any fix for it ------------
    Convo(
        "mastiff pup no chicken",
        "hc: breeds",
        [
            Turn(
                "my english mastiff is 4 months, needs large breed puppy food but no chicken pls",
                W(species="dog", life_stage="puppy", size="large", avoid={"chicken"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "big boy dane then dry",
        "hc: breeds",
        [
            Turn("hi! shopping for my dane, hes a big boy lol", W(species="dog", size="large")),
            Turn("hes 3, dry food only", W(species="dog", size="large", food_types={"dry"}), "products"),
        ],
        batch="december-c",
    ),
    Convo(
        "frenchie wet no beef",
        "hc: allergy",
        [
            Turn(
                "frenchie 6yo, wet food pls but nothing w beef he gets itchy",
                W(species="dog", size="small", food_types={"wet"}, avoid={"beef"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "two cats 1 and 13 kidney",
        "hc: two pets",
        [
            Turn("i have two cats theyre 1 and 13", None),
            Turn("the old one first, she has kidney problems", W(species="cat", vet_ok=True), "products"),
            Turn("now the 1 yr old. dry, under $30", W(species="cat", food_types={"dry"}, price_max=30.0), "products"),
        ],
        batch="december-c",
    ),
    Convo(
        "lab puppy and beagle senior",
        "hc: two pets",
        [
            Turn("two dogs - a 10 week old lab puppy and a 12 yo beagle", None),
            Turn("puppy first", W(species="dog", life_stage="puppy", size="large"), "products"),
            Turn("ok now the beagle, wet", W(species="dog", life_stage="senior", food_types={"wet"}), "products"),
        ],
        batch="december-c",
    ),
    Convo(
        "pug allergic and lab",
        "hc: two pets",
        [
            Turn(
                "2 dogs: a 3 yo pug allergic to chicken and a 9 yo lab. start with the pug",
                W(species="dog", size="small", avoid={"chicken"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "cat and boxer run-on",
        "hc: two pets",
        [
            Turn("need food for my cat and also my dog the cat is 14 and the dog is a 2 yr old boxer", None),
            Turn("cat first", W(species="cat", life_stage="senior"), "products"),
        ],
        batch="december-c",
    ),
    Convo(
        "under 20 a bag cat",
        "hc: budget",
        [
            Turn(
                "under 20 bucks a bag. adult cat, dry",
                W(species="cat", life_stage="adult", food_types={"dry"}, price_max=20.0),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "cheapest small breed senior",
        "hc: budget",
        [
            Turn(
                "cheapest small breed senior dry food, 25$ max",
                W(species="dog", life_stage="senior", size="small", food_types={"dry"}, price_max=25.0),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "kitten canned then dry",
        "hc: corrections",
        [
            Turn(
                "canned food for my kitten.. actually make that dry, she's 4 months",
                W(species="cat", life_stage="kitten", food_types={"dry"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "shih tzu age corrected",
        "hc: corrections",
        [
            Turn("food for my shih tzu she's 2", W(species="dog", size="small"), "products"),
            Turn("sorry shes 12 not 2", W(species="dog", size="small", life_stage="senior"), "products"),
        ],
        batch="december-c",
    ),
    Convo(
        "no friskies no meow mix",
        "hc: brands",
        [
            Turn(
                "no friskies no meow mix, somethin better for my 9 yr old cat",
                W(species="cat", brands_not={"friskies", "meow mix"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "blue wilderness kittens",
        "hc: brands",
        [
            Turn(
                "do you have blue wilderness for kittens",
                W(species="cat", life_stage="kitten", brands={"blue"}, line=r"wilderness"),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "pro plan husky puppy",
        "hc: brands",
        [
            Turn(
                "purina pro plan for my 6 month old husky puppy",
                W(species="dog", life_stage="puppy", brands={"pro plan"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "poultry and egg product cat",
        "hc: allergy",
        [
            Turn(
                "she's allergic to poultry and egg product, 4 yo cat, wet",
                W(species="cat", food_types={"wet"}, avoid={"chicken", "turkey", "duck", "egg"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "chicken meal corn gluten lab",
        "hc: allergy",
        [
            Turn(
                "no chicken meal or corn gluten meal, my lab gets ear infections. he's 5",
                W(species="dog", size="large", avoid={"chicken", "corn"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "fish oil senior cat",
        "hc: allergy",
        [
            Turn(
                "my cat throws up anything with fish oil or fish meal. senior, dry",
                W(species="cat", life_stage="senior", food_types={"dry"}, avoid={"fish"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "no dairy no fish not fancy feast",
        "hc: allergy",
        [
            Turn(
                "no dairy and no fish, 10 yr old cat, any brand but fancy feast",
                W(species="cat", avoid={"dairy", "fish"}, brands_not={"fancy feast"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "turkey-free duck-free shih tzu",
        "hc: allergy",
        [
            Turn(
                "turkey-free and duck-free canned for my 13 yr old shih tzu",
                W(species="dog", life_stage="senior", size="small", food_types={"wet"}, avoid={"turkey", "duck"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "grain free no peas golden",
        "hc: legumes",
        [
            Turn(
                "grain free but no peas or lentils, 5 yo golden",
                W(species="dog", size="large", avoid={"legume", "grain"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "hates kibble yorkie",
        "hc: negation",
        [
            Turn(
                "he hates kibble. 7 yr old yorkie",
                W(species="dog", size="small", not_food_types={"dry"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "not senior food yet cat",
        "hc: life stage",
        [
            Turn(
                "shes 8 but not senior food pls, very active cat, wet",
                W(species="cat", life_stage="adult", food_types={"wet"}),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "z/d dog from the vet",
        "hc: vet diets",
        [
            Turn(
                "my dogs vet put him on hills z/d, do u have the dry",
                W(species="dog", brands={"hill"}, vet_ok=True, food_types={"dry"}, line=r"z/d"),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "rc urinary so wet cat",
        "hc: vet diets",
        [
            Turn(
                "need royal canin veterinary diet urinary SO, the canned one, for my cat",
                W(species="cat", brands={"royal canin"}, vet_ok=True, food_types={"wet"}, line=r"urinary so"),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "forza10 renal ckd cat",
        "hc: vet diets",
        [
            Turn(
                "forza10 renal support for my 15 yo cat with ckd?",
                W(species="cat", brands={"forza10"}, vet_ok=True, line=r"renal"),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "chunky cat no prescription",
        "hc: vet diets",
        [
            Turn(
                "my cat is chunky, 16 lbs, needs to lose weight. no prescription stuff",
                W(species="cat", vet_ok=False),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "hairball healthy cat",
        "hc: vocabulary",
        [
            Turn(
                "healthy 3 yo indoor cat, something for hairballs, dry",
                W(species="cat", food_types={"dry"}, vet_ok=False),
                "products",
            )
        ],
        batch="december-c",
    ),
    Convo(
        "hi then senior small wet no lamb",
        "hc: talk",
        [
            Turn("hiii", None, "none"),
            Turn(
                "looking for wet food for a senior dog, small breed, no lamb",
                W(species="dog", life_stage="senior", size="small", food_types={"wet"}, avoid={"lamb"}),
                "products",
            ),
        ],
        batch="december-c",
    ),
    Convo(
        "feeding amount follow-up",
        "hc: questions",
        [
            Turn("dry food for my 8 yo indoor cat", W(species="cat", food_types={"dry"}), "products"),
            Turn("how much of the first one should she get a day? she's 11 lbs", None, "none"),
        ],
        batch="december-c",
    ),
    Convo(
        "grain free vs limited ingredient",
        "hc: questions",
        [Turn("whats the difference between grain free and limited ingredient", None, "none")],
        batch="december-c",
    ),
    Convo(
        "rabbit food",
        "hc: talk",
        [Turn("do you guys have food for my rabbit", None, "none")],
        batch="december-c",
    ),
    Convo(
        "dark chocolate bar",
        "hc: emergency",
        [Turn("omg my dog just ate a whole bar of dark chocolate what do i do", None, "emergency")],
        batch="december-c",
    ),
    Convo(
        "sugar free gum xylitol",
        "hc: emergency",
        [Turn("puppy chewed up a pack of sugar free gum, pretty sure it has xylitol", None, "emergency")],
        batch="december-c",
    ),
    Convo(
        "cat straining litter box",
        "hc: emergency",
        [Turn("my boy cat keeps going in the litter box and nothing comes out, hes crying", None, "emergency")],
        batch="december-c",
    ),
    Convo(
        "onion soup question",
        "hc: questions",
        [Turn("are onions bad for cats? she licked a bit of my soup", None, "none")],
        batch="december-c",
    ),
    Convo(
        "grain free cat cheaper",
        "hc: follow-ups",
        [
            Turn("grain free dry food for my adult cat", W(species="cat", food_types={"dry"}), "products"),
            Turn("anything cheaper?", W(species="cat", food_types={"dry"}), "products"),
        ],
        batch="december-c",
    ),
    Convo(
        "mini aussie turned 1",
        "hc: life stage",
        [
            Turn(
                "my pup just turned 1, time for adult food? hes a mini aussie",
                W(species="dog", life_stage="adult"),
            )
        ],
        batch="december-c",
    ),
]


@dataclass
class Verdict:
    shown: int = 0
    fit: int = 0
    turns: int = 0
    turns_ok: int = 0
    failures: list[str] = field(default_factory=list)


def ingredient_text(p: Product) -> str:
    return " , ".join(p.ingredients).lower()


def product_misfits(p: Product, want: Want) -> list[str]:
    bad: list[str] = []
    text = f"{p.brand} {p.title}".lower()
    if want.species and p.species not in (want.species, "all"):
        bad.append(f"species {p.species}")
    if want.life_stage and p.life_stage not in (want.life_stage, "all"):
        ok_adult_senior = want.life_stage == "senior" and p.life_stage == "adult" and "senior" in text
        if not ok_adult_senior:
            bad.append(f"life stage {p.life_stage}")
    if want.food_types and p.food_type not in want.food_types:
        bad.append(f"food type {p.food_type}")
    if p.food_type in want.not_food_types:  # declared from the start, checked only since batch C
        bad.append(f"refused food type {p.food_type}")
    if want.size == "small" and (p.breed_size in LARGE or re.search(r"large breed|giant breed", text)):
        bad.append(f"breed size {p.breed_size}")
    if want.size == "large" and (p.breed_size in SMALL or re.search(r"small breed|toy breed|small bites", text)):
        bad.append(f"breed size {p.breed_size}")
    for b in want.brands_not:
        if b in text:
            bad.append(f"refused brand {b}")
    if want.brands and not any(b in text for b in want.brands):
        bad.append(f"brand {p.brand}")
    ing = ingredient_text(p)
    title = re.sub(r"\b[\w ]+?[- ]free\b", " ", p.title.lower())  # "pea-free", "grain free": claims of absence
    for fam in want.avoid:
        m = re.search(FAMILY[fam], ing) or re.search(FAMILY[fam], title)
        if m:
            bad.append(f"contains {fam} ({m.group(0)})")
    if want.price_max is not None and p.price > want.price_max * 1.05:
        bad.append(f"price {p.price}")
    if not want.vet_ok and VET.search(f"{p.brand} {p.title}"):
        bad.append("vet diet")
    if want.line and not re.search(want.line, p.title, re.I):
        bad.append(f"not the line asked for ({want.line})")
    return bad


# A veterinary diet may be shown only with the vet's word: "needs your vet's authorization", "your vet prescribed".
VET_WORDING = re.compile(r"vet'?s (authori[sz]ation|approval|prescription)|prescribed|prescription from|your vet", re.I)
EMERGENCY_WORDS = re.compile(r"\bvet\b|veterinarian|poison|emergency|animal hospital|right away|immediately", re.I)


async def run(verbose: bool, batch: str | None = None) -> dict[str, Verdict]:
    convos = [c for c in CONVOS if batch is None or c.batch == batch]
    products: dict[str, Product] = {}
    for source, mapping in SOURCES:
        for item in read_mapped(SHARED / source, load_mapping(MAPPINGS / mapping)):
            if not isinstance(item, Reject):
                products[item.id] = item
    results: dict[str, Verdict] = defaultdict(Verdict)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        settings = Settings(
            data_dir=data,
            model_provider="offline",
            openai_api_key=None,
            embedder="none",
            log_level="WARNING",
            allowed_hosts=["testserver"],  # the in-process client's host name
            message_rate_per_user="10000/minute",
            message_rate_per_ip="10000/minute",
            _env_file=None,  # type: ignore[call-arg]
        )
        search = await open_search(settings)
        try:
            await ingest_products(search, list(products.values()))
        finally:
            await search.aclose()
        async with serving(create_app(settings)) as app:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as http:
                for n, convo in enumerate(convos):
                    chat = ShopChat(http, user=f"eval-{n}")
                    for turn in convo.turns:
                        verdict = results[convo.category]
                        reply = await chat.say(turn.say)
                        shown = [products[i] for i in reply.product_ids if i in products]
                        ok = not reply.errors
                        why = ""
                        if turn.expect == "products" and not shown:
                            ok, why = False, "no products shown"
                        if turn.expect in ("none", "emergency") and shown:
                            ok, why = False, f"{len(shown)} products shown"
                        if turn.expect == "emergency" and not EMERGENCY_WORDS.search(reply.text):
                            ok, why = False, "no call-the-vet answer"
                        vet_shown = [p for p in shown if VET.search(f"{p.brand} {p.title}")]
                        if vet_shown and not VET_WORDING.search(f"{reply.text} {reply.widgets}"):
                            ok, why = False, f"{len(vet_shown)} veterinary diets shown without the vet's wording"
                        if turn.want is not None:
                            for p in shown:
                                verdict.shown += 1
                                misfit = product_misfits(p, turn.want)
                                if misfit:
                                    verdict.failures.append(
                                        f"{convo.name}: {turn.say!r} → {p.title[:70]}: {', '.join(misfit)}"
                                    )
                                else:
                                    verdict.fit += 1
                        verdict.turns += 1
                        verdict.turns_ok += ok
                        if not ok:
                            verdict.failures.append(f"{convo.name}: {turn.say!r} → {why}: {reply.text[:160]!r}")
                        if verbose:
                            print(f"  [{convo.name}] {turn.say}\n    → {reply.text[:300]!r}")
                            for p in shown:
                                print(
                                    f"      · {p.title[:90]} ({p.brand}, {p.life_stage}, {p.food_type}, "
                                    f"{p.breed_size}, ${p.price})"
                                )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument(
        "--batch",
        help="run one batch only (december: the held-out batch of issue #10; december-b: after its fixes; "
        "december-c: the third round, after the Great Dane, two-pets-by-age and Forza10 fixes)",
    )
    args = parser.parse_args()
    convos = [c for c in CONVOS if args.batch is None or c.batch == args.batch]
    if not SHARED.is_dir():
        print(f"skipped: shared data not found at {SHARED} (the real Chewy catalogs never enter the repository)")
        return
    print(f"machine: {machine()}")
    print(f"conversations: {len(convos)}, turns: {sum(len(c.turns) for c in convos)}")
    results = asyncio.run(run(args.verbose, args.batch))
    shown = sum(v.shown for v in results.values())
    fit = sum(v.fit for v in results.values())
    turns = sum(v.turns for v in results.values())
    turns_ok = sum(v.turns_ok for v in results.values())
    print(f"{'category':<16} {'shown':>6} {'fit':>6} {'share':>6} {'turns ok':>9}")
    for cat, v in results.items():
        share = v.fit / v.shown if v.shown else float("nan")
        print(f"{cat:<16} {v.shown:>6} {v.fit:>6} {share:>6.2f} {v.turns_ok:>4}/{v.turns:<4}")
    print("failures:")
    for v in results.values():
        for f in v.failures:
            print(f"  - {f}")
    share = fit / shown if shown else 0.0
    print(f"fit_share={share:.3f} shown={shown} turns_ok={turns_ok}/{turns} conversations={len(convos)}")


if __name__ == "__main__":
    main()
