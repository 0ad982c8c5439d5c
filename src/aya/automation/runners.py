"""Task runners: what a ``command`` task and a ``tests`` task do (see :mod:`aya.automation.tasks`)."""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aya.automation.commands import CommandAllowList, check_argument, child_environment, run_process, secrets_of
from aya.automation.tasks import Reporter, Runner, Task, TaskFailed
from aya.core.errors import BadRequest
from aya.core.settings import Settings

_PERCENT = re.compile(r"\[\s*(\d{1,3})%\]\s*$")
MAX_FAILURES = 20


def command_runner(settings: Settings, allow_list: CommandAllowList) -> Runner:
    """``command`` tasks: ``{"command": name, "args": {...}}`` from the allow-list; output lines go to the log."""
    secrets = secrets_of(settings)

    async def run(task: Task, report: Reporter) -> dict[str, Any]:
        argv = allow_list.argv(task.args["command"], task.args.get("args") or {})
        report.progress(None, f"running {allow_list.describe(task.args['command'], task.args.get('args') or {})}")
        result = await run_process(
            argv,
            cwd=allow_list.workdir,
            env=child_environment(settings),
            timeout_s=settings.ops_command_timeout_s,
            on_line=report.log,
            secrets=secrets,
        )
        summary = {"command": task.args["command"], "returncode": result.returncode, "output": result.output_tail}
        if result.timed_out:
            raise TaskFailed(f"timed out after {settings.ops_command_timeout_s:g} s", summary)
        if result.returncode != 0:
            raise TaskFailed(f"exited with status {result.returncode}", summary)
        return summary

    return run


def check_test_paths(settings: Settings, paths: list[str] | None) -> list[str]:
    """The paths to test: the configured ones, or a subset of them (anything else is refused)."""
    allowed = list(settings.ops_test_paths)
    if not paths:
        return allowed
    workdir = settings.ops_workdir or Path.cwd()
    for index, path in enumerate(paths):
        check_argument("path", path, workdir)
        base = path.split("::", 1)[0].rstrip("/")
        if not any(base == a.rstrip("/") or base.startswith(a.rstrip("/") + "/") for a in allowed):
            raise BadRequest(
                f"{path} is not under the configured test paths ({', '.join(allowed)})", field=f"paths.{index}"
            )
    return paths


def tests_runner(settings: Settings) -> Runner:
    """``tests`` tasks: pytest on ``{"paths": [...]}`` with a JUnit XML report turned into a summary."""
    secrets = secrets_of(settings)
    workdir = settings.ops_workdir or Path.cwd()

    async def run(task: Task, report: Reporter) -> dict[str, Any]:
        paths = check_test_paths(settings, task.args.get("paths"))
        with tempfile.TemporaryDirectory(prefix="aya-ops-tests-") as tmp:
            xml_path = Path(tmp) / "report.xml"
            argv = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", f"--junitxml={xml_path}", *paths]
            report.progress(0.0, f"pytest {' '.join(paths)}")

            def on_line(line: str) -> None:
                report.log(line)
                match = _PERCENT.search(line)
                if match:
                    report.progress(int(match.group(1)) / 100, line.split(" ", 1)[0][:200])

            result = await run_process(
                argv,
                cwd=workdir,
                env=child_environment(settings),
                timeout_s=settings.ops_command_timeout_s,
                on_line=on_line,
                secrets=secrets,
            )
            summary = await asyncio.to_thread(junit_summary, xml_path) if xml_path.exists() else None
        if summary is None:
            raise TaskFailed(f"pytest produced no report (status {result.returncode})", {"output": result.output_tail})
        summary["paths"] = paths
        if result.timed_out:
            raise TaskFailed(f"timed out after {settings.ops_command_timeout_s:g} s", summary)
        if summary["failed"] or summary["errors"]:
            raise TaskFailed(f"{summary['failed']} failed, {summary['errors']} errors", summary)
        return summary

    return run


def junit_summary(path: Path) -> dict[str, Any]:
    """Counts and failures (test id and message) from a pytest JUnit XML report (written by pytest on this machine)."""
    root = ET.parse(path).getroot()  # our own child's report file
    counts = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
    failures: list[dict[str, str]] = []
    duration = 0.0
    for case in root.iter("testcase"):
        duration += float(case.get("time") or 0)
        name = f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "errors"
                if len(failures) < MAX_FAILURES:
                    message = (child.get("message") or child.text or "").strip().splitlines()
                    failures.append({"test": name, "message": (message[0] if message else "")[:500]})
            elif child.tag == "skipped":
                outcome = "skipped"
        counts[outcome] += 1
    return {**counts, "total": sum(counts.values()), "duration_s": round(duration, 3), "failures": failures}


def mcp_runner(registry: Callable[[], Any] | None) -> Runner:
    """``mcp`` tasks: ``{"action": "enable"|"disable"|"reconnect", "server": name}`` through the MCP registry."""

    async def run(task: Task, report: Reporter) -> dict[str, Any]:
        current = registry() if registry is not None else None
        if current is None:
            raise TaskFailed("the MCP registry is not running")
        action, server = task.args["action"], task.args["server"]
        report.progress(None, f"{action} {server}")
        status = await getattr(current, action)(server)
        summary = {"server": server, "action": action, "state": status.state, "error": status.error}
        if status.state == "failed":
            raise TaskFailed(f"{server}: {status.error or 'failed'}", summary)
        return summary

    return run
