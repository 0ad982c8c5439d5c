"""Docs kept honest by tests: every setting is documented in the README."""

from __future__ import annotations

from pathlib import Path

from aya.core.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env_names() -> list[str]:
    names = []
    for name, field in Settings.model_fields.items():
        choices = getattr(field.validation_alias, "choices", None)
        names.append(str(choices[0]) if choices else f"AYA_{name.upper()}")
    return names


def test_every_setting_is_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [n for n in _env_names() if f"`{n}`" not in readme]
    assert not missing, f"settings missing from README (run scripts/settings_table.py): {missing}"


def test_readme_states_the_two_commands_first() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    first_section = readme.split("\n## ")[1]
    assert first_section.startswith("The two commands")
    assert "make run" in first_section and "make test" in first_section
