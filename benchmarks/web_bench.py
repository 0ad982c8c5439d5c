"""Web app load benchmark: page weight and time to first paint / to interactive on a cold load, in real Chromium.

Starts ``aya serve`` (temporary data dir, offline model, empty catalog: loading the page needs no products) unless
``--url`` names a running server, then loads the page in a fresh browser context each time (empty cache) under two
profiles, with and without compression:

- desktop: no throttling;
- phone: 390×844 touch screen, Chromium's "Fast 3G"-like network (150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up) and
  the CPU slowed 4× (DevTools protocol emulation).

Figures (medians of ``--runs`` loads): bytes transferred (HTML, CSS, JS, API answers); first contentful paint (the
static shell in index.html); *interactive*: the composer is on screen and enabled (the app rendered with its config).

    .venv/bin/python benchmarks/web_bench.py [--runs 5] [--url http://127.0.0.1:8000]

Ends with one ``key=value`` summary line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import free_port, machine, wait_ready

CHROMIUM = os.environ.get("AYA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PHONE_NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}

# Time to interactive: the composer exists and is enabled. Observed from inside the page (navigation start = 0).
READY_SCRIPT = """
window.__ayaReady = new Promise((resolve) => {
  const check = () => {
    const box = document.querySelector('.composer-input');
    if (box && !box.disabled) { resolve(performance.now()); return true; }
    return false;
  };
  if (!check()) new MutationObserver((_, obs) => { if (check()) obs.disconnect(); })
    .observe(document, {childList: true, subtree: true});
});
"""

METRICS_SCRIPT = """async () => {
  const ready = await window.__ayaReady;
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const bytes = nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0);
  const js = resources.filter(r => r.name.endsWith('.js')).reduce((n, r) => n + r.transferSize, 0);
  const lazy = resources.filter(r => /\\/assets\\/(dist|agent)-/.test(r.name)).length;
  return {fcp: fcp ? fcp.startTime : null, ready, bytes, js, requests: resources.length + 1, lazy};
}"""


async def load_once(browser: Any, url: str, phone: bool, compressed: bool) -> dict[str, float]:
    device: dict[str, Any] = (
        {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
        if phone
        else {"viewport": {"width": 1280, "height": 860}}
    )
    headers = {} if compressed else {"Accept-Encoding": "identity"}
    context = await browser.new_context(extra_http_headers=headers, **device)
    try:
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if phone:
            await cdp.send("Network.emulateNetworkConditions", PHONE_NETWORK)
            await cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        await page.add_init_script(READY_SCRIPT)
        await page.goto(url, wait_until="commit")
        metrics: dict[str, float] = await page.evaluate(METRICS_SCRIPT)
        return metrics
    finally:
        await context.close()


async def run(url: str, runs: int) -> dict[str, dict[str, float]]:
    from playwright.async_api import async_playwright

    results: dict[str, dict[str, float]] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for name, phone, compressed in [
                ("desktop", False, True),
                ("desktop-uncompressed", False, False),
                ("phone", True, True),
                ("phone-uncompressed", True, False),
            ]:
                await load_once(browser, url, phone, compressed)  # warm the server's file cache, not the browser's
                samples = [await load_once(browser, url, phone, compressed) for _ in range(runs)]
                results[name] = {
                    key: statistics.median(float(s[key]) for s in samples if s[key] is not None)
                    for key in ("fcp", "ready", "bytes", "js", "requests", "lazy")
                }
                r = results[name]
                print(
                    f"{name:22s} transferred {r['bytes'] / 1024:7.1f} kB (JS {r['js'] / 1024:6.1f} kB, "
                    f"{r['requests']:.0f} requests, lazy voice chunks loaded: {r['lazy']:.0f})  "
                    f"first paint {r['fcp']:6.0f} ms  interactive {r['ready']:6.0f} ms",
                    flush=True,
                )
        finally:
            await browser.close()
    return results


def start_server(tmp: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AYA_", "OPENAI_"))}
    env.update(AYA_DATA_DIR=str(tmp / "data"), AYA_MODEL_PROVIDER="offline", AYA_EMBEDDER="none")
    aya = Path(sys.executable).with_name("aya")
    command = [str(aya), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-sample"]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start aya serve)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    proc = None
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url
        if url is None:
            port = free_port()
            log = Path(tmp) / "server.log"
            proc = start_server(Path(tmp), port, log)
            url = f"http://127.0.0.1:{port}"
            await wait_ready(url, proc, log, 60)
        try:
            results = await run(url, args.runs)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
    summary = " ".join(
        f"{name}_{key}={value:.0f}" for name, r in results.items() for key, value in r.items() if key != "lazy"
    )
    print(summary)


if __name__ == "__main__":
    asyncio.run(main())
