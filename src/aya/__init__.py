"""Aya: a self-hosted AI shopping assistant for a pet food store."""

__version__ = "0.1.0"
