"""Safety that runs around every model (offline, OpenAI, OpenAI-compatible).

- :mod:`.emergency` — emergencies in any phrasing (a pet that ate something toxic, acute signs): call the vet now.
- :mod:`.diets` — veterinary diets and diets unsafe for the animal: checks on tool results and on the pet's profile.
- :mod:`.claims` — honest claims in replies: no health claim from a flavour name, no empty fields, ratings with reviews.
- :mod:`.store_policy` — what Aya cannot do (checkout, cart, price matching, delivery, diagnosis), from a policy text.
- :mod:`.guardrails` — the Agents SDK input and output guardrails wiring the above into every run.
"""
