"""Allow-listed commands: argv templates with validated arguments, run without a shell.

A template is split like a shell would (``shlex``) into argv tokens once, when the allow-list is built; a token that
is exactly ``{file}``, ``{path}`` or ``{word}`` (optionally numbered: ``{file2}``) takes one argument, which becomes
exactly one argv item — never split, never interpreted. Arguments are checked before anything runs:

- every kind: 1-256 printable characters, not starting with ``-`` (no option injection such as ``--output=/etc/x``);
- ``file``/``path``: a relative path of letters, digits and ``._/+-`` (``path`` also ``::`` for pytest node ids), no
  ``..`` component, resolving (symlinks followed) inside the work directory; a ``file`` must exist;
- ``word``: letters, digits and ``._-``.

So ``; rm -rf /``, ``$(id)``, backticks, ``../../etc/passwd`` and ``--output=/etc/x`` are refused with a 400 naming the
argument. The program (first token) is resolved once: ``aya`` is this installation's command, ``pytest`` runs with
this interpreter, anything else must be on ``PATH``. Children get a minimal environment without secrets, run in their
own process group and are killed (the whole group) on timeout or cancellation; their output is redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import signal
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from aya.core.errors import BadRequest, NotFound
from aya.core.logging import REDACTED, redact
from aya.core.settings import Settings

_PLACEHOLDER = re.compile(r"^\{(file|path|word)(\d*)\}$")
_FILE = re.compile(r"^[A-Za-z0-9._/+][A-Za-z0-9._/+-]*$")
_PATH = re.compile(r"^[A-Za-z0-9._/+][A-Za-z0-9._/+:\[\]-]*$")
_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_ARG = 256
# Environment variables a child may inherit (never keys, tokens or database URLs with passwords).
_SAFE_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "PLAYWRIGHT_BROWSERS_PATH", "HF_HOME", "XDG_CACHE_HOME")
_SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL)", re.IGNORECASE)

LineSink = Callable[[str], Awaitable[None] | None]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    template: str
    tokens: tuple[str, ...]
    approve: bool

    @property
    def placeholders(self) -> list[str]:
        return [token[1:-1] for token in self.tokens if _PLACEHOLDER.match(token)]


@dataclass(frozen=True)
class CommandResult:
    argv: list[str]
    returncode: int
    timed_out: bool
    output_tail: list[str]


def check_argument(name: str, value: object, workdir: Path) -> str:
    """``value`` as a safe argument for placeholder ``name`` (400 naming the argument otherwise)."""
    field = f"args.{name}"
    if not isinstance(value, str) or not value:
        raise BadRequest(f"argument {name!r} must be a non-empty string", field=field)
    if len(value) > MAX_ARG:
        raise BadRequest(f"argument {name!r} is longer than {MAX_ARG} characters", field=field)
    if not value.isprintable():
        raise BadRequest(f"argument {name!r} contains control characters", field=field)
    if value.startswith("-"):
        raise BadRequest(f"argument {name!r} may not start with '-' (options are not arguments)", field=field)
    kind = _PLACEHOLDER.match("{" + name + "}")
    assert kind is not None
    match kind.group(1):
        case "word":
            if not _WORD.match(value):
                raise BadRequest(f"argument {name!r} may hold only letters, digits and ._-", field=field)
        case "file" | "path":
            pattern = _FILE if kind.group(1) == "file" else _PATH
            if not pattern.match(value):
                raise BadRequest(f"argument {name!r} is not a plain relative path: {value!r}", field=field)
            relative = value.split("::", 1)[0]
            if relative.startswith("/") or ".." in Path(relative).parts:
                raise BadRequest(f"argument {name!r} must stay inside the work directory", field=field)
            root = workdir.resolve()
            target = (root / relative).resolve()
            if target != root and root not in target.parents:
                raise BadRequest(f"argument {name!r} must stay inside the work directory", field=field)
            if kind.group(1) == "file" and not target.exists():
                raise BadRequest(f"{value} does not exist in the work directory", field=field)
    return value


def _program(token: str) -> list[str]:
    if token == "aya":
        local = Path(sys.executable).with_name("aya")
        return [str(local)] if local.exists() else [sys.executable, "-m", "aya.cli.main"]
    if token == "pytest":
        return [sys.executable, "-m", "pytest"]
    found = shutil.which(token)
    if found is None:
        raise NotFound(f"the program {token!r} is not installed")
    return [found]


class CommandAllowList:
    """The configured commands (``AYA_OPS_COMMANDS``) and the one way to run them."""

    def __init__(self, commands: Mapping[str, str], *, workdir: Path, approve: Iterable[str] = ()) -> None:
        approve_set = set(approve)
        self.workdir = workdir
        self.specs: dict[str, CommandSpec] = {}
        for name, template in commands.items():
            tokens = tuple(shlex.split(template))
            if not tokens or _PLACEHOLDER.match(tokens[0]):
                raise ValueError(f"AYA_OPS_COMMANDS: {name!r} must start with a program name")
            for token in tokens:
                if "{" in token and not _PLACEHOLDER.match(token):
                    raise ValueError(f"AYA_OPS_COMMANDS: {name!r}: {token!r} is not one whole placeholder")
            self.specs[name] = CommandSpec(name, template, tokens, name in approve_set)

    @classmethod
    def from_settings(cls, settings: Settings) -> CommandAllowList:
        return cls(
            settings.ops_commands,
            workdir=settings.ops_workdir or Path.cwd(),
            approve=settings.ops_approve_commands,
        )

    def spec(self, name: str) -> CommandSpec:
        spec = self.specs.get(name)
        if spec is None:
            raise NotFound(f"{name!r} is not an allowed command (allowed: {', '.join(sorted(self.specs))})")
        return spec

    def argv(self, name: str, args: Mapping[str, object]) -> list[str]:
        """The argv of command ``name`` with ``args`` checked and placed (400/404 on anything else)."""
        spec = self.spec(name)
        expected = set(spec.placeholders)
        unknown = sorted(set(args) - expected)
        if unknown:
            raise BadRequest(f"{name} takes no argument {unknown[0]!r}", field=f"args.{unknown[0]}")
        argv: list[str] = []
        for index, token in enumerate(spec.tokens):
            match = _PLACEHOLDER.match(token)
            if match is None:
                argv.extend(_program(token) if index == 0 else [token])
                continue
            placeholder = token[1:-1]
            if placeholder not in args:
                raise BadRequest(f"{name} needs the argument {placeholder!r}", field=f"args.{placeholder}")
            argv.append(check_argument(placeholder, args[placeholder], self.workdir))
        return argv

    def describe(self, name: str, args: Mapping[str, object]) -> str:
        """The command as a person reads it: its name and arguments (``ingest examples/products.csv``)."""
        spec = self.spec(name)
        return " ".join([name, *(str(args[p]) for p in spec.placeholders if p in args)])


def child_environment(settings: Settings) -> dict[str, str]:
    """What a child process inherits: a few harmless variables and Aya's non-secret settings for the same data."""
    env = {k: v for k, v in os.environ.items() if k in _SAFE_ENV}
    for key, value in os.environ.items():
        if key.startswith("AYA_") and not _SECRET_ENV.search(key):
            env[key] = value
    env["AYA_DATA_DIR"] = str(settings.data_dir.resolve())
    env["AYA_EMBEDDER"] = settings.embedder
    env["PYTHONUNBUFFERED"] = "1"
    return env


def secrets_of(settings: Settings) -> list[str]:
    values = [settings.openai_api_key, settings.secret_key, settings.mcp_token, settings.model_api_key]
    found = [v.get_secret_value() for v in values if v is not None]
    if settings.database_url:
        found.append(settings.database_url)
    return [s for s in found if len(s) >= 6]


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return redact(text)


async def run_process(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    on_line: LineSink,
    secrets: Iterable[str] = (),
    tail: int = 40,
) -> CommandResult:
    """Run ``argv`` (no shell), sending each output line (stdout and stderr, redacted) to ``on_line``.

    On timeout the process group is killed and ``timed_out`` is set; on cancellation it is killed and the
    cancellation re-raised.
    """
    hidden = list(secrets)
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=str(cwd),
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    lines: list[str] = []

    async def pump() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            line = scrub(raw.decode("utf-8", errors="replace").rstrip("\n"), hidden)
            lines.append(line)
            del lines[:-tail]
            result = on_line(line)
            if result is not None:
                await result
        await process.wait()

    timed_out = False
    try:
        await asyncio.wait_for(pump(), timeout=timeout_s)
    except TimeoutError:
        timed_out = True
        await _kill(process)
    except BaseException:
        await asyncio.shield(_kill(process))
        raise
    return CommandResult(argv, process.returncode if process.returncode is not None else -9, timed_out, lines)


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            await asyncio.wait_for(process.wait(), timeout=wait_s)
            return
        except TimeoutError:
            continue
