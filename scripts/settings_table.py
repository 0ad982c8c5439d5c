"""Print the README's configuration table from the Settings model (`--write` updates README.md in place)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from aya.core.settings import Settings


def env_name(name: str, alias: object) -> str:
    choices = getattr(alias, "choices", None)
    if choices:
        return str(choices[0])
    return f"AYA_{name.upper()}"


def default_of(field: object) -> str:
    factory = getattr(field, "default_factory", None)
    value = factory() if factory is not None else getattr(field, "default", None)
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "[]"
    return str(value)


INTRO = """## Configuration

Every setting is an environment variable (or a line in a `.env` file in the working directory), read once at start-up
into one typed `Settings` object (`src/aya/core/settings.py`) and passed down. Lists take JSON (`["a","b"]`) or commas
(`a,b`). Unsafe combinations refuse to start: token auth without a secret, production with development auth,
OpenSearch without a URL, an OpenAI-compatible provider without a base URL. With no variable set at all, Aya runs
offline on its embedded defaults.
"""


def table() -> str:
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        desc = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{env_name(name, field.validation_alias)}` | `{default_of(field)}` | {desc} |")
    return "\n".join(rows)


def main() -> None:
    if "--write" in sys.argv:
        readme = Path(__file__).resolve().parent.parent / "README.md"
        text = readme.read_text(encoding="utf-8")
        section = f"<!-- section:configuration -->\n{INTRO}\n{table()}\n\n<!-- /section:configuration -->"
        text = re.sub(
            r"<!-- section:configuration -->.*?<!-- /section:configuration -->", lambda _: section, text, flags=re.S
        )
        readme.write_text(text, encoding="utf-8")
    else:
        print(table())


if __name__ == "__main__":
    main()
