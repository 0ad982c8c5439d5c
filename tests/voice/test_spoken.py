"""Answers written for the ear: markdown gone, prices and units said naturally, at most three products read."""

from __future__ import annotations

import pytest

from aya.voice.spoken import SpokenAnswer, for_the_ear, speakable, split_sentences

ANSWER = """I'd look at these for a **senior cat**:
1. **Prairie Kitchen Senior Quail** — $24.99, 4.5/5 stars. Grain free.
2. [Blue Buffalo](https://example.com/p/1) Senior 7+ at $1.50 per can
3. Hill's 5 lb bag for $0.99
4. Orijen Six Fish for $80
5. Acana for $41.05

Want something cheaper?"""


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("$24.99", "24 dollars and 99 cents"),
        ("$1", "1 dollar"),
        ("$39.29", "39 dollars and 29 cents"),
        ("$2.01", "2 dollars and 1 cent"),
        ("$1.50", "1 dollar and 50 cents"),
        ("$3.05", "3 dollars and 5 cents"),
        ("$0.99", "99 cents"),
        ("$1,299.00", "1299 dollars"),
        ("a 5 lb bag", "a 5 pounds bag"),
        ("12.5 oz cans", "12.5 ounces cans"),
        ("32% protein", "32 percent protein"),
        ("rated 4.5/5", "rated 4.5 out of 5"),
        ("Senior 7+", "Senior 7 plus"),
        ("**bold** and _it_ and `code`", "bold and it and code"),
        ("## Heading", "Heading"),
        ("see [this](http://x.y/z) or https://a.b/c", "see this or"),
        ("grain_free", "grain free"),
    ],
)
def test_speakable(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


def test_at_most_three_products_are_read_and_the_rest_point_to_the_screen() -> None:
    sentences = for_the_ear(ANSWER)
    said = " ".join(sentences)
    assert "Prairie Kitchen" in said and "Blue Buffalo" in said and "Hill's" in said
    assert "Orijen" not in said and "Acana" not in said
    assert "The others are on your screen." in sentences
    assert sentences[-1] == "Want something cheaper?"
    assert "24 dollars and 99 cents" in said and "4.5 out of 5" in said and "99 cents" in said
    assert not any(ch in said for ch in "*#[]()$")
    assert "http" not in said


def test_streamed_deltas_give_the_same_sentences_as_the_whole_text() -> None:
    answer = SpokenAnswer()
    streamed: list[str] = []
    for i in range(0, len(ANSWER), 7):  # deltas cut anywhere, even inside words and prices
        streamed += answer.feed(ANSWER[i : i + 7])
    streamed += answer.finish()
    assert streamed == for_the_ear(ANSWER)


def test_first_sentence_is_ready_before_the_answer_ends() -> None:
    answer = SpokenAnswer()
    assert answer.feed("Hi there! I'm Aya, your pet food spec") == ["Hi there!"]
    assert answer.feed("ialist. What") == ["I'm Aya, your pet food specialist."]
    assert answer.finish() == ["What"]


def test_sentences_keep_decimals_together() -> None:
    assert split_sentences("It costs 24.99 today. Rated 4.5 stars!") == ["It costs 24.99 today.", "Rated 4.5 stars!"]


def test_product_lines_are_shortened_for_the_ear() -> None:
    answer = (
        "Good news — here's what I found for a senior cat:\n"
        "1. **Feline Fields Meadow Hunt Senior Duck & Pea Entree Canned Cat Food** by Feline Fields ($68.49) — "
        "made for seniors; grain-free\n"
        "2. **Prairie Kitchen Senior Quail Recipe Dry Cat Food** by Prairie Kitchen ($7.99, rated 4.6) — "
        "made for seniors; grain-free; rated 4.6 by 164 shoppers\n"
        "Want me to compare the first two?"
    )
    assert for_the_ear(answer) == [
        "Good news, here's what I found for a senior cat:",
        "First, Feline Fields Meadow Hunt Senior Duck and Pea Entree, 68 dollars and 49 cents, made for seniors.",
        "Second, Prairie Kitchen Senior Quail Recipe, 7 dollars and 99 cents, rated 4.6, made for seniors.",
        "Want me to compare the first two?",
    ]
