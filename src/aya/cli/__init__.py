"""cli: the ``aya`` command (typer). Each command group lives in its own module and registers on ``app``."""
