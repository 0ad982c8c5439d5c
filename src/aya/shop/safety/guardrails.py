"""The Agents SDK guardrails around Aya, the same for every model (offline, OpenAI, OpenAI-compatible).

- Input (:func:`input_guardrail`, blocking: runs before the model): an emergency is answered first and only with
  "call your vet or animal poison control now" (:mod:`.emergency`); "can dogs eat grapes?" gets an honest warning;
  a request Aya cannot fulfil (checkout, cart, price matching, delivery, a diagnosis) gets the store policy's answer
  (:mod:`.store_policy`). The tripwire carries the answer as a :class:`SafetyAnswer`; the chat assistant turns it
  into an ordinary assistant message (:func:`aya.shop.assistant.ShopAssistant.respond`), never an error.
- Output (:func:`output_guardrail`): a reply that says a product shown is free of an ingredient its label lists
  ("No, chicken is not in its ingredients" about a recipe with poultry by-product meal) trips, and the assistant
  says the correction instead. Softer fixes (empty fields, missing vet notes) are made by :mod:`.output` while the
  reply streams.

:func:`safety_answer` is the input check as a plain function, for the voice pipeline and the offline model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from agents import Agent, GuardrailFunctionOutput, InputGuardrail, OutputGuardrail, RunContextWrapper
from agents.items import TResponseInputItem

from aya.catalog.ingredients import family_label, family_of, violations
from aya.catalog.vocab import normalize as normalize_vocab
from aya.shop.safety.claims import honest_conditions
from aya.shop.safety.emergency import assess, emergency_reply, toxic_question_reply
from aya.shop.safety.store_policy import StorePolicy, load_policy

__all__ = [
    "OutputProblem",
    "SafetyAnswer",
    "absence_claims",
    "input_guardrail",
    "last_user_text",
    "output_guardrail",
    "safety_answer",
]

# Messages the chat layer adds to the model input on the user's behalf (widget descriptions, hidden context).
_SYNTHETIC_PREFIXES = (
    "The following graphical UI widget",
    "Hidden context for the agent",
    "A message was displayed to the user",
    "A structured input request",
    "The user is referring to this in particular",
    "# User-provided context",
)


@dataclass(frozen=True)
class SafetyAnswer:
    """An answer given instead of the model's: ``kind`` says why."""

    kind: Literal["emergency", "toxic_question", "store_policy", "correction"]
    text: str
    topic: str = ""


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not content:
        return ""
    return "".join(t for part in content if isinstance(t := _get(part, "text"), str))


def last_user_text(items: str | Sequence[Any]) -> str:
    """The shopper's newest message in a model input (synthetic context messages skipped)."""
    if isinstance(items, str):
        return items
    for item in reversed(list(items)):
        if _get(item, "role") == "user":
            text = _text(_get(item, "content"))
            if text.strip() and not text.startswith(_SYNTHETIC_PREFIXES):
                return text
    return ""


def safety_answer(
    text: str,
    *,
    species: str | None = None,
    pet_name: str | None = None,
    policy: StorePolicy | None = None,
    spoken: bool = False,
) -> SafetyAnswer | None:
    """The answer a message gets before any model sees it, or ``None`` (see the module docstring)."""
    found = assess(text, species)
    if found is not None and found.kind == "emergency":
        return SafetyAnswer("emergency", emergency_reply(found, pet=pet_name, spoken=spoken), found.reason)
    if found is not None and found.kind == "toxic_question":
        return SafetyAnswer("toxic_question", toxic_question_reply(found, spoken=spoken), found.reason)
    answer = (policy or load_policy()).answer(text)
    if answer is not None:
        return SafetyAnswer("store_policy", answer.text, answer.topic)
    return None


def input_guardrail(policy: StorePolicy | None = None) -> InputGuardrail[Any]:
    """The blocking input guardrail (runs before the model, so an emergency never gets a product list)."""

    async def check(
        ctx: RunContextWrapper[Any], agent: Agent[Any], items: str | list[TResponseInputItem]
    ) -> GuardrailFunctionOutput:
        profile = getattr(getattr(ctx.context, "state", None), "profile", None)
        answer = safety_answer(
            last_user_text(items),
            species=getattr(profile, "species", None),
            pet_name=getattr(profile, "name", None),
            policy=policy,
        )
        return GuardrailFunctionOutput(output_info=answer, tripwire_triggered=answer is not None)

    return InputGuardrail(guardrail_function=check, name="aya_safety_input", run_in_parallel=False)


# --- output ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputProblem:
    product_id: str
    title: str
    claimed_absent: str  # the shopper's word ("chicken"); for an unsupported health claim, the claim
    found: str  # the label ingredient that contains it; "" for an unsupported health claim


_FORMULATED = re.compile(
    r"\b(?:formulated|made|designed|specially made|specifically made|a (?:veterinary|vet) diet) for "
    r"((?:[a-z]+ ){0,3}[a-z]+)",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[str]:
    """Sentences, never split inside a **bold product name** ("**OMG Lights Out! Tuna…**")."""
    out: list[str] = []
    for line in text.split("\n"):
        names = _BOLD.findall(line)
        masked = line
        for i, name in enumerate(names):
            masked = masked.replace(name, f"\x00{i}\x00", 1)
        for part in re.split(r"(?<=[.!?])\s+", masked):
            for i, name in enumerate(names):
                part = part.replace(f"\x00{i}\x00", name)
            out.append(part)
    return out


def unsupported_claims(text: str, products: Sequence[Any]) -> list[OutputProblem]:
    """ "Formulated for X" said of a named product whose label data does not list X (a flavour name such as "Lights
    Out!" is not label data: see :func:`aya.shop.safety.claims.honest_conditions`)."""
    problems: list[OutputProblem] = []
    for line in _sentences(text):
        for m in _FORMULATED.finditer(_BOLD.sub(" ", line)):
            words = m.group(1).lower().split()
            condition = None
            for n in range(len(words), 0, -1):
                condition = normalize_vocab("target_conditions", " ".join(words[:n]))
                if condition:
                    break
            if condition is None:
                continue
            for p in products:
                if not _names(line, p.title):
                    continue
                honest = honest_conditions(p.title, getattr(p, "description", ""), list(p.target_conditions))
                if condition not in honest:
                    problems.append(OutputProblem(p.id, p.title, m.group(0), ""))
    return problems


@dataclass
class _Claim:
    term: str
    sentence: str


_ABSENCE = re.compile(
    r"\b(?:no|without|free of|free from|(?:does ?n[o']?t|does not|doesn'?t) (?:contain|have|include|list)(?: any)?|"
    r"(?:is ?n[o']?t|is not|isn'?t) (?:in|on|among|listed in|part of))\s+(?:any\s+)?([a-z][a-z' -]{1,30}?)"
    r"(?=[,.;:!?)]|\s+(?:in|on|at|or|and|so|which|—|-)\b|$)",
    re.IGNORECASE,
)
_BOLD = re.compile(r"\*\*[^*]+\*\*")
_FREE = re.compile(r"\b([a-z]+)[- ]free\b", re.IGNORECASE)
# "not grain-free", "isn't grain free", "labelled grain-free, but ...": no claim that the family is absent
_NOT_A_FREE_CLAIM = re.compile(
    r"(?:\bnot|n't|\bnever|\blabell?ed(?: as)?|\bmarketed as|\bsold as)\s+(?:\w+\s+)?$", re.IGNORECASE
)
_SUBJECT_ABSENT = re.compile(
    r"\b([a-z][a-z' ]{1,30}?)\s+(?:is|are)\s+(?:not|n't)\s+(?:in|on|among|listed in|part of)\b", re.IGNORECASE
)


def absence_claims(text: str) -> list[_Claim]:
    """Statements that an ingredient family is absent ("no chicken", "chicken is not in its ingredients")."""
    claims: list[_Claim] = []
    for line in _sentences(text):
        sentence = _BOLD.sub(" ", line)  # a product's own name ("**… Grain-Free Formula …**") is not Aya's claim
        for m in _ABSENCE.finditer(sentence):
            words = m.group(1).strip().lower().split()
            for n in range(len(words), 0, -1):  # the longest family name at the start: "chicken by-products"
                if family_of(" ".join(words[:n])):
                    claims.append(_Claim(" ".join(words[:n]), line))
                    break
        for m in _FREE.finditer(sentence):
            if family_of(m.group(1)) and not _NOT_A_FREE_CLAIM.search(sentence[max(0, m.start() - 30) : m.start()]):
                claims.append(_Claim(m.group(1).lower(), line))
        for m in _SUBJECT_ABSENT.finditer(sentence):
            words = m.group(1).strip().lower().split()
            for n in range(1, len(words) + 1):  # the last words before "is not in": "No, chicken is not in"
                if family_of(" ".join(words[-n:])):
                    claims.append(_Claim(" ".join(words[-n:]), line))
                    break
    return claims


_REFERS = re.compile(
    r"^\s*(no|yes|nope)\b|\b(it|its|it's|this|that|these|those|they|them|their|the (first|second|third|fourth|"
    r"fifth|last) one|this one|that one|this recipe|this food|the recipe|the food)\b",
    re.IGNORECASE,
)
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4}


def referenced(question: str, shown: Sequence[Any]) -> list[Any]:
    """The shown product a question points to ("the second one", "#2", "the last one"), if any."""
    q = question.lower()
    for word, index in _ORDINALS.items():
        if re.search(rf"\b{word}\b", q) and index < len(shown):
            return [shown[index]]
    if m := re.search(r"(?:#|number |no\. ?)(\d)\b", q):
        index = int(m.group(1)) - 1
        if 0 <= index < len(shown):
            return [shown[index]]
    if re.search(r"\blast (one|product|food)\b", q) and shown:
        return [shown[-1]]
    return []


def find_false_absences(text: str, products: Sequence[Any], focus: Sequence[Any] = ()) -> list[OutputProblem]:
    """Absence claims in ``text`` contradicted by the label of a product it is about: a product it names, else the
    one product in focus (the one the question pointed to, or the only one looked up this turn)."""
    claims = absence_claims(text)
    if not claims or not products:
        return []
    problems: list[OutputProblem] = []
    for claim in claims:
        named = [p for p in products if _names(claim.sentence, p.title)]
        if not named and not _REFERS.search(claim.sentence):
            continue  # a general statement ("grain-free food has no wheat"), not about a product
        about = named or (list(focus) if len(focus) == 1 else list(products) if len(products) == 1 else [])
        for p in about:
            found = violations(list(p.ingredients), [claim.term], title=p.title)
            if found:
                first = next((m for m in found if m.where == "ingredients"), found[0])
                where = first.ingredient.lower() if first.where == "ingredients" else f'"{first.term}" (in its name)'
                problems.append(OutputProblem(p.id, p.title, claim.term, where))
    return problems


def correction_text(problems: Sequence[OutputProblem]) -> str:
    lines = []
    claims = [pr for pr in problems if not pr.found]
    for pr in claims[:3]:
        name = pr.title.split(", ")[0]
        lines.append(
            f"Let me correct that: **{name}** isn't labeled as {pr.claimed_absent.lower()}; I shouldn't have said so."
        )
    if claims and len(claims) == len(problems):
        return " ".join(lines)
    for pr in [pr for pr in problems if pr.found][:3]:
        name = pr.title.split(", ")[0]
        fam = family_of(pr.claimed_absent) or pr.claimed_absent
        lines.append(
            f"Let me correct that: **{name}** does contain {pr.found}, which counts as "
            f"{family_label(fam)}, so it isn't suitable for a pet avoiding {pr.claimed_absent}."
        )
    return " ".join(lines) + " Shall I find options without it?"


def _names(sentence: str, title: str) -> bool:
    """Whether a sentence names the product: its name, or nearly all the words of it."""
    name = title.split(", ")[0].lower()
    s = sentence.lower()
    if name in s:
        return True
    words = set(re.findall(r"[a-z0-9']{3,}", name))
    present = set(re.findall(r"[a-z0-9']{3,}", s))
    return len(words) >= 2 and len(words & present) >= 0.8 * len(words)


@dataclass
class OutputVerdict:
    problems: list[OutputProblem] = field(default_factory=list)
    answer: SafetyAnswer | None = None


def output_guardrail() -> OutputGuardrail[Any]:
    """Trips when the final reply says a product is free of an ingredient family its label lists."""

    async def check(ctx: RunContextWrapper[Any], agent: Agent[Any], output: Any) -> GuardrailFunctionOutput:
        verdict = await review_output(ctx.context, str(output))
        return GuardrailFunctionOutput(output_info=verdict, tripwire_triggered=bool(verdict.problems))

    return OutputGuardrail(guardrail_function=check, name="aya_honest_output")


async def review_output(run: Any, text: str) -> OutputVerdict:
    """The output check as a function of the run context (``search``, ``state``, ``user_text``, ``turn_products``).

    The SDK refuses output guardrails with server-side history (``previous_response_id``): there the assistant calls
    this after the run and adds the correction as a message of its own."""
    if not absence_claims(text) and not _FORMULATED.search(text):
        return OutputVerdict()
    turn_ids = list(getattr(run, "turn_products", []))
    shown_ids = [p.id for p in run.state.shown]
    pointed = [p.id for p in referenced(getattr(run, "user_text", ""), run.state.shown)]
    ids = list(dict.fromkeys([*turn_ids, *pointed, *shown_ids[:6]]))
    by_id = {p.id: p for p in await run.search.get(ids)} if ids else {}
    focus_ids = pointed or (turn_ids if len(turn_ids) == 1 else [])
    focus = [by_id[i] for i in focus_ids if i in by_id]
    problems = find_false_absences(text, list(by_id.values()), focus) + unsupported_claims(text, list(by_id.values()))
    return OutputVerdict(problems, SafetyAnswer("correction", correction_text(problems)) if problems else None)
