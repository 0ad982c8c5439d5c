"""Negation, contrast and their scope, for every slot (brands, ingredients, food types, features, conditions).

``polarity(norm, span)`` says whether the phrase at ``span`` is wanted, refused or merely mentioned as the past:

- refused: "no X or Y", "not X", "without X", "X-free", "won't eat/touch X", "anything but X", "any brand but X",
  "hates X",
  "avoid X", "nothing with X", "allergic to X", "X is out";
- past (not wanted now): "from X to Y" (X), "he's had X his whole life, something different", "tired of X",
  "switching from X";
- negated statement: "she isn't overweight", "no longer has kidney issues" (the caller drops the slot).

A negation reaches forward over a list ("no purina, pedigree or iams") until a clause break: a full stop, "but",
"only", "just", "prefer", or a new verb of wanting.
"""

from __future__ import annotations

import re
from typing import Literal

from aya.shop.understanding.text import Span

Polarity = Literal["wanted", "refused", "past"]

_REFUSE_LEAD = re.compile(
    r"(?:\bno\b|\bnot\b|\bnever\b|\bwithout\b|\bw/o\b|\bavoid(?:ing|s)?\b|\bexcept\b|\banything but\b|\bbesides\b|"
    r"\bany (?:other )?(?:brand|kind|food|flavou?r|protein)s? (?:but|except|other than|besides)\b|"
    r"\bother than\b|\bnothing with\b|\bnothing from\b|\bnone of\b|\bfree of\b|\bfree from\b|\bhates?\b|"
    r"\bdislikes?\b|\bwon'?t (?:eat|touch|do|go near|even look at)\b|\bwont (?:eat|touch|do)\b|"
    r"\b(?:doesn'?t|does not|dont|don'?t|do not|can'?t|cannot|can not|didn'?t|refuses? to) (?:like|want|eat|touch|"
    r"tolerate|do well (?:on|with)|have|do|handle|digest|stand)\b|\ballergic to\b|\ballergy to\b|"
    r"\ballergies to\b|\bintolerant to\b|\bsensitive to\b|\breacts? to\b|\bnot a fan of\b|\bsick of\b|"
    r"\btired of\b|\b(?:done|finished|through|over) with\b|\bmoving (?:away|on) from\b|"
    r"\bget(?:ting)? away from\b|\bstay away from\b|\bsteer clear of\b|\bskip\b|\bditch\b|"
    r"\bstop(?:ped)? (?:feeding|buying)\b|"
    r"\bisn'?t\b|\bis not\b|\bno longer\b|\bno more\b|\bnothing\b|"
    r"\b(?:barely|hardly|rarely|never|stopped|quit) (?:eats?|eating|touch(?:es)?|likes?)\b|\brefuses?\b|"
    r"\bturns? (?:his|her|their) nose up at\b|\bsick of\b|\bgets? sick (?:on|from)\b)"
)
# What ends the reach of a negation ("no purina, but pedigree is fine": pedigree is wanted).
_BREAK = re.compile(
    r"[.;!?]|\bbut\b|\bonly\b|\bjust\b|\bprefer(?:s|ably)?\b|\binstead\b|\brather\b|\bwants?\b|\blikes?\b|"
    r"\bloves?\b|\bneeds?\b|\blooking for\b|\bshow me\b|\bsomething\b|\bwhat about\b|\bhow about\b|\bmaybe\b|"
    r"\bplease\b|\bpls\b|\bplz\b|\bthough\b|\bso\b|\bwhich\b|\bfor\b(?! (?:him|her|them)\b)|\bhe'?s\b|\bshe'?s\b|"
    r"\bi\b|\bmy\b|\band (?:she|he|it|they|also|i)\b|\bwith\b|\bin\b|\b(?:food|foods|stuff|kibble|brands?)\b|"
    # a denied state ends at its adverb ("she's not a senior yet, wet food"); an age or weight starts a description
    # of the pet ("allergy to poultry and fish, 8 yo shih tzu")
    r"\b(?:yet|anymore|any more|any longer)\b|"
    r"\b\d+(?:\.\d+)?\s*(?:yo|y/o|years?|yrs?|months?|mos?|weeks?|wks?|lbs?|pounds?|kg)\b"
)
# "wait no, dry": "no" before a comma is an interjection, not a refusal.
_INTERJECTION = re.compile(r"^\s*,")
# "can't have fish or chicken, wet pls": after a comma, a phrase followed by a wish word is wanted.
_WISH_AFTER = re.compile(
    r"^\s*(?:pls|please|plz|only|is fine|is ok|is okay|are fine|works|would be (?:good|great|nice))\b"
)
_AFTER_FREE = re.compile(r"^\s*(?:free|is out|are out|is a no|are a no|makes? (?:him|her|them) sick|upsets?)\b")
_FROM_TO = re.compile(r"\b(?:from|off(?: of)?|off)\s+$")
_PAST = re.compile(
    r"\b(?:whole life|entire life|all (?:his|her|their) li(?:fe|ves)|for years|forever|since (?:he|she) was)\b.*"
    r"\b(?:different|something else|change|switch|new|other)\b"
)
_USED_TO = re.compile(
    r"\b(?:been on|been eating|been feeding|used to (?:eat|feed|buy|get)|currently (?:on|eats|eating|feeding)|"
    r"(?:has|have|had) (?:always )?(?:been on|had|eaten|fed)|switching (?:him |her |them )?from)\s+(?:\w+\s+){0,2}$"
)


def polarity(norm: str, span: Span, *, clause: bool = False) -> Polarity:
    """Whether the phrase at ``span`` of ``norm`` is wanted, refused, or the past the shopper wants to leave.

    ``clause``: the phrase names the pet (a breed, a species), so a refusal before a comma does not reach it ("really
    not a senior, super active lab"); lists of refused brands or ingredients do run over commas."""
    start, end = span
    if _AFTER_FREE.match(norm[end:]):
        return "refused"
    before = norm[max(0, start - 60) : start]
    if _FROM_TO.search(before) and re.match(r"^\s*(?:\w+\s+){0,3}?(?:to|into|onto)\b", norm[end:]):
        return "past"
    if _USED_TO.search(before) and _PAST_WISH.search(norm[end:]):
        return "past"
    if _PAST.search(norm[start:]) and re.match(r"^\s*(?:\w+\s+){0,2}?(?:his|her|their) (?:whole|entire)", norm[end:]):
        return "past"
    if _PAST_AFTER.match(norm[end:]) and _PAST_WISH.search(norm[end:]):
        return "past"  # "nutro is what she's always eaten but i want to switch"
    if not clause and _CURRENT_FOOD.search(before) and _PROBLEM.search(norm):
        return "past"  # "loose stools on his current food (Iams)": the food with the problem is the past
    if (
        not clause  # the pet itself ("we feed our cat …") is never the past
        and _FEEDS_NOW.search(before)
        and (_SWITCH_WISH.search(norm[end:]) or _COMPLAINT.search(norm[end:]))
        and not _LIKES_IT.search(norm[end:])
    ):
        return "past"  # "i feed my dog blue buffalo but he gets gas, what else?"
    lead = None
    for m in _REFUSE_LEAD.finditer(before):
        if m.group(0) == "no" and _INTERJECTION.match(before[m.end() :]):
            continue
        lead = m
    if lead is None:
        return "wanted"
    between = before[lead.end() :]
    if _BREAK.search(between) or (clause and "," in between):
        return "wanted"
    if "," in between and _WISH_AFTER.match(norm[end:]):
        return "wanted"
    return "refused"


_PAST_AFTER = re.compile(
    r"^\s*(?:is|are|was|has been) (?:what|all) (?:she|he|they|we|i)(?:'?s|'?ve| has| have| had| is| are)?\s+"
    r"(?:(?:always|ever|only|been)\s+)?"
    r"(?:eaten|eats|eating|had|been (?:on|eating|feeding)|fed|used|bought|gotten)\b"
)
_PAST_WISH = re.compile(r"\b(?:different|something else|change|switch|new|other|else|alternative|instead)\b")
# What the pet eats now, then a problem with it or a wish to change: the brand is the past, not the wish.
_FEEDS_NOW = re.compile(
    r"\b(?:(?:i|we) (?:feed|give|buy|get|use)(?: (?:him|her|them|it|my \w+|our \w+))?|(?:he|she|they) (?:eats?|gets)|"
    r"(?:he'?s|she'?s|hes|shes|he is|she is|they'?re|they are|we'?re|were|we are) (?:on|eating|feeding)|"
    r"(?:he|she|they|we) (?:has|have) been (?:on|feeding|eating)|currently (?:on|feeding|eating))"
    r"\s+(?:\w+\s+){0,2}$"
)
_CURRENT_FOOD = re.compile(
    r"\b(?:current|usual|regular|old|present) (?:food|brand|diet|kibble|cat food|dog food)"
    r"\s*(?:\(|,|:|-|is|which is)?\s*$"
)
# Problems with a food, as owners put them (the current food's, or the one fed now before "what else?")
_PROBLEM_WORDS = (
    r"gas|gassy|sick|vomit\w*|throw\w* up|puk\w*|diarrh\w*|runny|loose stools?|itch\w*|scratch\w*|"
    r"doesn'?t like|won'?t eat|wont eat|stopped eating|hates?|bored|not working|too expensive|recall\w*|reaction|"
    r"allergic"
)
_PROBLEM = re.compile(rf"\b(?:{_PROBLEM_WORDS}|upset)\b")
_LIKES_IT = re.compile(
    r"\b(?:loves?|likes?|enjoys?|does (?:great|well|good|fine)|doing (?:great|well|good|fine)|similar|more of)\b"
)
_SWITCH_WISH = re.compile(
    r"\b(?:different|something else|change|switch\w*|alternatives?|instead|new food|other than|"
    r"(?:looking for|want|need|find) (?:something|anything|a new|another)|something (?:without|with no|free of|new))\b"
)
_COMPLAINT = re.compile(
    rf"\b(?:{_PROBLEM_WORDS}|farts?|does not like|isn'?t working|pricey|problems?|issues?)\b[^?]*"
    r"\b(?:else|other|another)\b"
)


def negated_statement(norm: str, span: Span) -> bool:
    """ "she isn't overweight", "he doesn't have any allergies", "no longer has kidney issues": a fact denied."""
    before = norm[max(0, span[0] - 40) : span[0]]
    m = re.search(
        r"\b(?:not|no|never|isn'?t|isnt|aren'?t|doesn'?t|doesnt|don'?t|dont|didn'?t|hasn'?t|hasnt|no longer|free of|"
        r"without)\b((?:(?!\b(?:but|and|with)\b)[^.,;!?])*)$",
        before,
    )
    return m is not None
