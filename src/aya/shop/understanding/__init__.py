"""Aya's understanding of what pet owners say: small slot extractors driven by data files, and the dialogue state
update they feed.

- :mod:`.text` — normalization and whole-phrase tables; :mod:`.vocabulary` — the shopper vocabulary file;
- :mod:`.breeds` — breeds with size classes and weights (``data/breeds.toml``), misspellings, size from weight;
- :mod:`.numbers` — ages, weights, budgets and their period, differences, durations, counts;
- :mod:`.negation` — wanted, refused or past, for every slot;
- :mod:`.brands` — brands and product lines from the catalog's facets, fuzzy-matched;
- :mod:`.refs` — references to the products shown;
- :mod:`.parse` — one message in, one :class:`Parsed` out (the extractors combined);
- :mod:`.dialogue` — the once-per-message update of the thread's :class:`~aya.shop.state.ThreadState`.
"""

from aya.shop.understanding.brands import CatalogTerms
from aya.shop.understanding.parse import Parsed, parse
from aya.shop.understanding.text import normalize_text

__all__ = ["CatalogTerms", "Parsed", "normalize_text", "parse"]
