"""The offline model's decisions: from the dialogue state and this message, ask one question, call one tool, or answer.

Input is the thread's :class:`~aya.shop.state.ThreadState` (already updated with this message, once, by
:func:`aya.shop.understanding.dialogue.update`), the message's :class:`~aya.shop.understanding.Parsed`, and this
turn's tool calls and results (from the Responses-format items any model receives). Output is a :class:`ToolStep` or
a :class:`ReplyStep`. Nothing is re-parsed from earlier messages or from Aya's replies: the questions Aya asks are
recorded in the state (``pending``, ``asked``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aya.shop import replies
from aya.shop.fallback import route_intent
from aya.shop.knowledge_tools import ASK, KNOWLEDGE_TOOLS, knowledge_request, side_question_answer
from aya.shop.profile import PetProfile
from aya.shop.safety.guardrails import referenced
from aya.shop.state import ShownProduct, ThreadState
from aya.shop.steps import ReplyStep, Step, ToolStep
from aya.shop.tools import (
    ComparisonResult,
    ProductDetails,
    RecommendationsResult,
    SearchProductsResult,
    SimilarResult,
)
from aya.shop.understanding import CatalogTerms, Parsed, parse
from aya.shop.understanding.refs import Attribute, match_attribute
from aya.shop.understanding.similarity import IntentGuess, undecided

_SYNTHETIC_PREFIXES = (
    "The following graphical UI widget",
    "Hidden context for the agent",
    "A message was displayed to the user",
    "A structured input request",
    "The user is referring to this in particular",
    "# User-provided context",
)


LIST_MCP_SERVERS = "list_mcp_servers"
_MCP_QUESTION = re.compile(r"\bmcp\b|model context protocol", re.IGNORECASE)


@dataclass
class Conversation:
    """The parts of the model input the policy needs."""

    user_texts: list[str] = field(default_factory=list)
    assistant_texts: list[str] = field(default_factory=list)
    last_assistant_before_user: str = ""
    tool_calls: list[tuple[str, str, str]] = field(default_factory=list)  # (call_id, name, arguments) this turn
    tool_outputs: dict[str, str] = field(default_factory=dict)  # call_id -> output, this turn

    @property
    def last_user(self) -> str:
        return self.user_texts[-1] if self.user_texts else ""

    @classmethod
    def from_input(cls, items: str | Sequence[Any]) -> Conversation:
        """This turn only: the last user message and the tool calls and results after it (history is not read)."""
        conv = cls()
        if isinstance(items, str):
            conv.user_texts.append(items)
            return conv
        start = 0
        for i in range(len(items) - 1, -1, -1):
            item = items[i]
            if _get(item, "role") == "user" and (_get(item, "type") or "message") == "message":
                text = _text(_get(item, "content"))
                if text.strip() and not text.startswith(_SYNTHETIC_PREFIXES):
                    start = i
                    break
        for i in range(start - 1, -1, -1):  # Aya's message just before it (the knowledge tools' follow-ups)
            item = items[i]
            if _get(item, "role") == "assistant" and _text(_get(item, "content")).strip():
                conv.assistant_texts.append(_text(_get(item, "content")))
                break
        for item in items[start:]:
            kind = _get(item, "type") or ("message" if _get(item, "role") else None)
            if kind == "message":
                role = _get(item, "role")
                text = _text(_get(item, "content"))
                if role == "user":
                    if text.startswith(_SYNTHETIC_PREFIXES) or not text.strip():
                        continue
                    conv.last_assistant_before_user = conv.assistant_texts[-1] if conv.assistant_texts else ""
                    conv.user_texts.append(text)
                    conv.tool_calls.clear()
                    conv.tool_outputs.clear()
                elif role == "assistant" and text.strip():
                    conv.assistant_texts.append(text)
            elif kind == "function_call":
                conv.tool_calls.append(
                    (str(_get(item, "call_id")), str(_get(item, "name")), str(_get(item, "arguments")))
                )
            elif kind == "function_call_output":
                conv.tool_outputs[str(_get(item, "call_id"))] = _text(_get(item, "output"))
        return conv


def _get(item: Any, key: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(key)
    return getattr(item, key, None)


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for part in content:
        text = _get(part, "text")
        if isinstance(text, str):
            parts.append(text)
    return "".join(parts)


class Policy:
    """Decide the next step. Holds only the catalog's terms; every decision is a function of state and message."""

    def __init__(self, terms: CatalogTerms | None = None) -> None:
        self.terms = terms or CatalogTerms()

    def parse(self, text: str) -> Parsed:
        return parse(text, terms=self.terms)

    def next_step(self, conv: Conversation, state: ThreadState, p: Parsed, intent: IntentGuess | None = None) -> Step:
        """``intent``: the message's intent by similarity (:mod:`aya.shop.understanding.similarity`), used only
        where no rule decides."""
        if conv.tool_calls and all(call_id in conv.tool_outputs for call_id, _, _ in conv.tool_calls):
            return ReplyStep(self.answer(conv, state, p, intent))
        return self.decide(conv, state, p, intent)

    # --- deciding --------------------------------------------------------------------------------------------------

    def decide(self, conv: Conversation, state: ThreadState, p: Parsed, intent: IntentGuess | None = None) -> Step:
        key = f"{state.turns}|{conv.last_user}"
        if _MCP_QUESTION.search(conv.last_user):  # "show my MCP servers": the tool aya.mcp adds, when it runs
            return ToolStep(LIST_MCP_SERVERS, {})
        profile = state.profile
        shown = state.shown
        if intent is not None and intent.route == "emergency":  # similarity only ever adds the route to the vet
            return ReplyStep(replies.out_of_scope(dataclasses.replace(p, out_of_scope="emergency"), key))

        # safety/knowledge glue (aya.shop.knowledge_tools): feeding amounts, unit prices, switching, ingredient checks
        known = knowledge_step(conv, profile, shown, self._resolve(p, shown, state.compared) or [])
        refines = (
            # "what about grain free": a refinement of what was shown, or of a search that found nothing
            (bool(shown) or (profile.species is not None and state.turns > 1))
            and bool(p.features or p.food_types or p.flavors or p.brands or p.avoid or p.conditions)
            and not _GENERAL_QUESTION.match(p.text)
        )
        if isinstance(known, ToolStep) and known.name == "pet_food_question" and (refines or _asks_for_products(p)):
            known = None  # "vet said not grain free for my 4yo golden, suggestions?" asks for products
        if isinstance(known, ToolStep) and known.name == "unit_prices" and _new_request(p):
            known = None  # "need a good value food for my other dog" asks for other products, sorted by price
        if known is not None:
            return known
        if p.out_of_scope in ("emergency", "other_animal", "order", "off_topic", "non_food"):
            return ReplyStep(replies.out_of_scope(p, key))
        if p.out_of_scope == "medical" and not (p.conditions or p.refs):
            return ReplyStep(replies.out_of_scope(p, key))

        if p.package is not None and not _refines_search(p):  # "do they come in a bigger bag?"
            return self._other_sizes(p, state)
        if p.superlative and shown and not p.has_pet_facts:
            best = _superlative(p.superlative, shown)
            if best is None:
                return ReplyStep(replies.no_superlative(p.superlative, len(shown)))
            return ToolStep("get_product_details", {"product_id": best.id})
        follow = self._follow_up(p, state, key)
        if follow is not None:
            return follow

        if p.is_smalltalk_only:
            if "help" in p.acts:
                return ReplyStep(replies.help_text(state.username))
            if "greeting" in p.acts or "smalltalk" in p.acts:
                return ReplyStep(replies.greeting(state.username, profile, key, smalltalk="smalltalk" in p.acts))
            if "goodbye" in p.acts:
                return ReplyStep(replies.goodbye(state.username, profile))
            if "thanks" in p.acts:
                return ReplyStep(replies.thanks(state.username, key))
            if "ack" in p.acts:
                return ReplyStep(replies.acknowledge(profile, bool(shown), key))

        if state.pending == "which_pet" and state.pets:
            return self._ask(state, "which_pet", replies.which_pet(profile, state.pets[-1]))
        searching = False
        if intent is not None and undecided(p):  # no rule read the message: its intent by similarity decides
            routed = route_intent(intent, state, p, key)
            if routed == "cheaper":
                return self._recommend(state, p, cheaper=True) if profile.species else self._ask_species(state, p)
            if routed == "search":
                searching = True
            elif routed is not None:
                return routed
        answering = bool(state.asked) and state.turns > 1 and p.words <= 4
        if not (p.shopping or answering or searching or "unsure" in p.acts):
            return ReplyStep(replies.unknown(key))

        if profile.species is None:
            return self._ask_species(state, p)

        if (
            _only_species(profile)
            and "age" not in state.asked
            and "unsure" not in p.acts
            and not p.flavors
            and p.sort is None
        ):
            return self._ask(state, "age", replies.ask_age(profile, key))

        return self._recommend(state, p)

    def _other_sizes(self, p: Parsed, state: ThreadState) -> Step:
        """Bigger or smaller packages of the products the message points at (all shown, up to three, when none)."""
        shown = state.shown
        if not shown:
            return ReplyStep(replies.ask_which("details", 0))
        refs = self._resolve(p, shown, state.compared)
        if refs is None:
            return ReplyStep(replies.out_of_range(p.refs, len(shown)))
        ids = [shown[i].id for i in refs] or [s.id for s in shown[:3]]
        return ToolStep("other_sizes", {"product_ids": ids[:4], "direction": p.package or "any"})

    def _ask(self, state: ThreadState, what: Any, text: str) -> ReplyStep:
        state.pending = what
        if what not in state.asked:
            state.asked.append(what)
        return ReplyStep(text)

    def _ask_species(self, state: ThreadState, p: Parsed) -> ReplyStep:
        key = f"{state.turns}|{p.text}"
        return self._ask(state, "species", replies.ask_species(p, state.profile, key))

    def _recommend(self, state: ThreadState, p: Parsed, *, cheaper: bool = False) -> Step:
        profile, shown = state.profile, state.shown
        sort = "price" if cheaper else p.sort or "relevance"
        exclude: list[str] = []
        if ("cheaper" in p.acts or cheaper) and shown:
            ref = self._resolve(p, shown, state.compared)
            basis = [shown[i] for i in ref] if ref else shown
            cap = round(min(s.price for s in basis) - max(0.01, p.difference or 0.0), 2)
            if p.budget_max is not None and p.difference is None:
                cap = p.budget_max  # "cheaper one pls, under 40": the shopper's own cap says how much cheaper
            if cap > 0:
                profile = profile.model_copy(update={"budget_max": cap})
            sort = "relevance" if p.budget_max is not None and p.difference is None else "price"
            exclude = [s.id for s in shown]
        if "more" in p.acts and shown:
            exclude = [s.id for s in shown]
        query = " ".join(p.flavors)
        if not query and not p.refs and not p.has_pet_facts and "cheaper" not in p.acts and not cheaper:
            query = state.query
        state.query = query
        args: dict[str, Any] = {
            "profile": profile.model_dump(mode="json"),
            "query": query,
            "sort": sort,
            "k": 3,
            "exclude_ids": exclude,
        }
        return ToolStep("get_recommendations", args)

    def _follow_up(self, p: Parsed, state: ThreadState, key: str) -> Step | None:
        shown, profile = state.shown, state.profile
        acts = p.acts
        if "cheaper" in acts and not acts & {"compare", "similar"}:
            return None  # "anything cheaper than the second one?": a new search under its price
        if not acts & {"compare", "details", "similar"} and not (p.refs and not p.has_pet_facts):
            return None
        if not shown and (p.refs or acts & {"compare", "details"}):
            if p.has_pet_facts and not p.refs:
                return None  # "compare Summit Ridge and Northern Paws dog food": search first
            return ReplyStep(replies.ask_which("details", 0))
        if p.ref_attribute is not None and not p.refs and not (p.species and "similar" in acts):
            # "the adult one": one product is the reference; several are asked about (never one picked silently)
            hits = _attribute_hits(p.ref_attribute, shown, state.compared)
            if "compare" in acts and len(hits) >= 2:
                return ToolStep("compare_products", {"product_ids": [shown[i].id for i in hits[:4]]})
            if len(hits) > 1:
                return ReplyStep(replies.which_of(p.ref_attribute, [(i + 1, shown[i]) for i in hits]))
            if not hits:
                return ReplyStep(replies.no_match(p.ref_attribute, shown))
        refs = self._resolve(p, shown, state.compared)
        if refs is None:
            return ReplyStep(replies.out_of_range(p.refs, len(shown)))
        if "compare" in acts:
            if not refs and len(shown) >= 2:
                refs = list(range(min(len(shown), 3)))
            if len(refs) < 2:
                return ReplyStep(replies.ask_which("compare", len(shown)))
            return ToolStep("compare_products", {"product_ids": [shown[i].id for i in refs[:4]]})
        if "similar" in acts:
            if not refs:
                if not shown or p.has_pet_facts:
                    return None  # "something like that for my cat": a new search
                refs = [0]
            return ToolStep(
                "find_similar",
                {
                    "product_id": shown[refs[0]].id,
                    "k": 3,
                    "cheaper": "cheaper" in acts,
                    "exclude_ingredients": list(profile.avoid_ingredients),
                },
            )
        if not refs:
            if len(shown) == 1:
                refs = [0]
            elif p.has_pet_facts and "details" not in acts:
                return None
            else:
                return ReplyStep(replies.ask_which("details", len(shown)))
        return ToolStep("get_product_details", {"product_id": shown[refs[0]].id})

    def _resolve(self, p: Parsed, shown: list[ShownProduct], compared: Sequence[str] = ()) -> list[int] | None:
        """0-based indexes into ``shown`` for the message's references; None when a reference is out of range.
        ``compared``: the ids last compared, among which "the cheaper one" is looked for first."""
        out: list[int] = []
        for ref in p.refs:
            index = ref - 1 if ref > 0 else len(shown) + ref
            if not 0 <= index < len(shown):
                return None
            out.append(index)
        if not out and p.refs_all and len(shown) >= 2:
            out = list(range(min(len(shown), 4)))
        if not out and shown and p.ref_attribute is not None:
            hits = _attribute_hits(p.ref_attribute, shown, compared)
            out = hits if len(hits) == 1 else []
        if not out and shown:
            out = _by_mention(p, shown)
        return list(dict.fromkeys(out))

    # --- answering -------------------------------------------------------------------------------------------------

    def answer(self, conv: Conversation, state: ThreadState, parsed: Parsed, intent: IntentGuess | None = None) -> str:
        key = f"{state.turns}|{conv.last_user}"
        call_id, name, arguments = conv.tool_calls[-1]
        output = conv.tool_outputs.get(call_id, "")
        prefix = ""
        if "greeting" in parsed.acts:
            prefix = f"Hi {state.username}! " if state.username else "Hi there! "
        if parsed.other_animal and parsed.species:
            prefix += f"I only carry dog and cat food, so nothing for the {parsed.other_animal}, I'm afraid. "
        try:
            data = json.loads(output)
        except ValueError:
            return replies.tool_error("the catalog did not answer")
        if isinstance(data, dict) and "error" in data:
            return replies.tool_error(str(data["error"]))
        if name in KNOWLEDGE_TOOLS:  # knowledge tools answer in words (aya.shop.knowledge_tools)
            return prefix + str(data.get("answer", ""))
        if name == LIST_MCP_SERVERS:
            return prefix + "Here are the MCP servers I'm connected to:\n" + str(data.get("summary", ""))
        if name in ("get_recommendations", "search_products") and (side := side_question_answer(parsed.text)):
            prefix += side + "\n\n"  # the question asked with the request is answered, then the food shown
        if name == "get_recommendations":
            text = replies.recommendations(RecommendationsResult.model_validate(data), key, prefix=prefix)
            if parsed.medical:
                text += "\nI can't advise on medication or treatment, though: please check with your vet."
            if parsed.symptoms:
                text += "\n\n" + replies.symptom_note(state.profile, parsed.symptoms)
            return text
        if name == "search_products":
            return replies.search_results(SearchProductsResult.model_validate(data), key, prefix=prefix)
        if name == "get_product_details":
            details = ProductDetails.model_validate(data)
            if parsed.superlative and len(state.shown) > 1:
                prefix += replies.superlative(details, parsed.superlative, len(state.shown))
            if "why" in parsed.acts:
                prefix += replies.why(details, state.profile)
            return prefix + replies.details(details, parsed, key)
        if name == "compare_products":
            return prefix + replies.comparison(ComparisonResult.model_validate(data), key)
        if name == "find_similar":
            cheaper = bool(json.loads(arguments or "{}").get("cheaper"))
            return prefix + replies.similar(SimilarResult.model_validate(data), key, cheaper=cheaper)
        return replies.unknown(key)


def knowledge_step(conv: Conversation, profile: PetProfile, shown: list[ShownProduct], refs: list[int]) -> Step | None:
    """The knowledge tool a question asks for ("how much should I feed her? she's 11 lbs"), if any. The product it
    is about comes from the message's references; the pet's weight from the dialogue state."""
    ids = [s.id for s in shown]
    focus = [shown[i] for i in refs] or referenced(conv.last_user, shown)
    request = knowledge_request(
        conv.last_user,
        species=profile.species,
        age_years=profile.age_years,
        shown_ids=ids,
        focus_id=focus[0].id if focus else None,
        earlier_texts=[f"{profile.weight_kg} kg"] if profile.weight_kg is not None else [],
        asked=conv.last_assistant_before_user,
    )
    if request is None:
        return None
    if request[0] == ASK:
        return ReplyStep(str(request[1]["text"]))
    return ToolStep(request[0], request[1])


# "what is a novel protein?", "is wet better than dry?": general questions; "what about grain free", "do any of those
# come in wet?": refinements of the products shown
_GENERAL_QUESTION = re.compile(
    r"^(?:what (?:is|are)\b|what'?s (?:a|an|the)\b|why\b|how (?:does|do|often|many|much|long)\b|is (?!there)|"
    r"are (?!there)|does (?!any)|should\b|can (?:cats|dogs)\b)"
)
_PRODUCT_REQUEST = re.compile(
    r"\b(?:suggest\w*|recommend\w*|looking for|need|want|options?|"
    r"(?:something|anything) (?:else|different|new|better|cheaper|for|with|without|that|like|good|similar)|"
    r"what (?:should|can) i (?:feed|get|buy))\b"
)


def _refines_search(p: Parsed) -> bool:
    """Whether the message asks for other food, not only another size ("a bigger bag of something grain free")."""
    return bool(p.features or p.food_types or p.flavors or p.brands or p.avoid or p.conditions or p.species)


def _new_request(p: Parsed) -> bool:
    """A request for other products ("any good value food for my cat?"), not a question about those shown."""
    about_shown = re.search(r"\b(?:these|those|them|they|which|shown|of the|one|ones|it|its)\b", p.text)
    return _PRODUCT_REQUEST.search(p.text) is not None and about_shown is None and not p.refs


def _asks_for_products(p: Parsed) -> bool:
    """A message about this pet that asks for food (not a general question the knowledge tools answer)."""
    personal = p.age_years is not None or p.breed is not None or p.weight_kg is not None or p.name is not None
    return personal or _PRODUCT_REQUEST.search(p.text) is not None


def _superlative(kind: str, shown: list[ShownProduct]) -> ShownProduct | None:
    """The shown product that is the cheapest / priciest / best rated / richest in protein / leanest / lowest in
    calories; None when no product shown lists the value (never a guess)."""
    match kind:
        case "cheapest":
            return min(shown, key=lambda s: s.price)
        case "priciest":
            return max(shown, key=lambda s: s.price)
        case "most_protein":
            return max(shown, key=lambda s: s.protein_min or 0.0)
        case "least_fat":
            listed = [s for s in shown if s.fat_min is not None]
            return min(listed, key=lambda s: s.fat_min or 0.0) if listed else None
        case "fewest_calories":
            listed = [s for s in shown if s.kcal_per_kg is not None]
            return min(listed, key=lambda s: s.kcal_per_kg or 0.0) if listed else None
        case _:
            return max(shown, key=lambda s: (s.rating or 0.0, s.review_count))


def _only_species(profile: PetProfile) -> bool:
    rest = profile.model_copy(update={"species": None, "name": None})
    return profile.species is not None and rest.is_empty()


def _attribute_hits(attribute: Attribute, shown: list[ShownProduct], compared: Sequence[str]) -> list[int]:
    """The shown products an attribute points at; after a comparison, among those compared first ("compare the
    first two" then "the cheaper one" means the cheaper of the two), else among all shown."""
    focus = [i for i, s in enumerate(shown) if s.id in compared]
    if len(focus) >= 2:
        among = match_attribute(attribute, [shown[i] for i in focus])
        if among:
            return [focus[j] for j in among]
    return match_attribute(attribute, shown)


def _by_mention(p: Parsed, shown: list[ShownProduct]) -> list[int]:
    """A shown product named by a distinctive word of its title or brand ("the Summit Ridge one")."""
    words = {w for w in p.mentions if w not in _COMMON}
    if not words:
        return []
    hits = []
    for i, s in enumerate(shown):
        title_words = set(re.findall(r"[a-z][a-z']{3,}", f"{s.title} {s.brand}".lower()))
        if words & title_words:
            hits.append(i)
    return hits if len(hits) == 1 else []


_COMMON = frozenset(
    """food foods recipe formula dog dogs cat cats puppy kitten adult senior dry wet grain free chicken salmon beef
    lamb turkey fish more about tell what which that this them they with like similar compare details show cheaper
    first second third last one ones please thanks want need does have about kibble canned treats treat size bag
    """.split()
)


__all__ = ["Conversation", "Policy", "ReplyStep", "Step", "ToolStep"]
