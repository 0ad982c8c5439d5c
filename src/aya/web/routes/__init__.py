"""One module per router; each exposes ``router`` and, when it owns resources, ``async def setup(...)``."""
