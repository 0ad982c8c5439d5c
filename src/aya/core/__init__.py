"""core: settings, the error family, id helpers. Imports nothing else of Aya."""
