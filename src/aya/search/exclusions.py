"""Ingredient exclusions, backend-independent: what ``Filters.exclude_ingredients`` rules out, for every backend.

A shopper's exclusion names a family ("chicken", "grains", "dairy"), an alias or a label word ("chicken meal"); it is
expanded to every label word of the family (:func:`aya.catalog.ingredients.expand`), so "chicken" also rules out
"poultry by-product meal" and "fowl". Each backend turns :func:`exclusion_terms` into its own must-not clauses
(tantivy phrase queries in :mod:`aya.search.text_index`, ``match_phrase`` for OpenSearch) and then, because a query
language cannot express every exception ("milk thistle" is not dairy), keeps only products for which
:func:`excluded` is false: that check is the source of truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aya.catalog.ingredients import Match, exceptions, expand, violations
from aya.catalog.models import Product

__all__ = ["ExclusionTerms", "excluded", "exclusion_terms", "product_violations"]


@dataclass(frozen=True)
class ExclusionTerms:
    """Label words (normalized, space-separated) a product's ingredients must not contain as whole words, and the
    phrases that do not count (to drop before matching, or to re-check with :func:`excluded`)."""

    terms: tuple[str, ...]
    exceptions: tuple[str, ...]


def exclusion_terms(exclude: Sequence[str]) -> ExclusionTerms:
    """The expansion of an exclusion list, for a backend's must-not clauses."""
    return ExclusionTerms(terms=tuple(expand(exclude)), exceptions=tuple(exceptions(exclude)))


def product_violations(product: Product, exclude: Sequence[str]) -> list[Match]:
    """Every ingredient (or title word) of ``product`` that breaks ``exclude``."""
    if not exclude:
        return []
    return violations(product.ingredients, list(exclude), title=product.title)


def excluded(product: Product, exclude: Sequence[str]) -> bool:
    """Whether ``product`` breaks ``exclude`` (a family member in its ingredients or title)."""
    return bool(product_violations(product, exclude))
