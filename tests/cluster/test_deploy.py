"""The deployment files hold together: compose.yaml (no Docker engine here: its structure is checked), the Dockerfile,
and the nginx configs (checked by the real nginx, `nginx -t`)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.services.cluster import PROXY_CONF, REPO_ROOT, Nginx, find_nginx, free_port

from aya.core.settings import Settings

COMPOSE = REPO_ROOT / "compose.yaml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
NGINX_COMPOSE = REPO_ROOT / "deploy" / "nginx" / "compose.conf"
WEB = ["web1", "web2", "web3"]
SEARCH_NODES = ["opensearch1", "opensearch2", "opensearch3"]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    return {str(k): str(v) for k, v in env.items()}


def _substituted(value: str) -> str:
    """``${VAR:?msg}`` / ``${VAR:-default}`` / ``${VAR}`` as compose would fill them from a complete .env."""
    value = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: m.group(2), value)
    return re.sub(r"\$\{(\w+)(:\?[^}]*)?\}", lambda m: "x" * 40 if "SECRET" in m.group(1) else "pw", value)


def test_the_topology(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) >= {"nginx", "postgres", *WEB, *SEARCH_NODES}
    nginx = services["nginx"]
    assert "8080:8080" in nginx["ports"]
    assert {name: dep["condition"] for name, dep in nginx["depends_on"].items()} == dict.fromkeys(
        WEB, "service_healthy"
    )
    for name in WEB:
        web = services[name]
        assert web["command"][:2] == ["aya", "serve"] and "--no-sample" in web["command"]
        assert web["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "healthcheck" in web and "/readyz" in " ".join(web["healthcheck"]["test"])
        assert "ports" not in web, "workers are reached through nginx only"


def test_the_workers_share_every_state_and_nothing_else(compose: dict[str, Any]) -> None:
    services = compose["services"]
    envs = [_env(services[name]) for name in WEB]
    assert all(env == envs[0] for env in envs), "the three workers must be configured alike"
    env = envs[0]
    assert env["AYA_DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["AYA_DATABASE_URL"]
    assert env["AYA_SEARCH_BACKEND"] == "opensearch"
    assert env["AYA_OPENSEARCH_URL"].split(",") == [f"http://{node}:9200" for node in SEARCH_NODES]
    mounts = [dict(v.split(":", 1) for v in services[name]["volumes"]) for name in WEB]
    shared = {volume for volume, target in mounts[0].items() if target == env["AYA_ATTACHMENTS_PATH"]}
    assert shared == {"attachments"} and all(m["attachments"] == "/attachments" for m in mounts)
    servers_file = Path(env["AYA_MCP_SERVERS_FILE"])
    assert all(m["config"] == str(servers_file.parent) for m in mounts), "the MCP servers file must be shared"
    data = [next(vol for vol, target in m.items() if target == env["AYA_DATA_DIR"]) for m in mounts]
    assert len(set(data)) == 3, "each worker keeps its own caches"
    grace = int(str(services["web1"]["stop_grace_period"]).rstrip("s"))
    assert grace > float(env["AYA_SHUTDOWN_TIMEOUT_S"]), "docker would kill streams the worker is still finishing"


def test_every_aya_setting_in_compose_exists_and_validates(compose: dict[str, Any]) -> None:
    env = _env(compose["services"]["web1"])
    fields = {f"AYA_{name.upper()}" for name in Settings.model_fields}
    unknown = [k for k in env if k.startswith("AYA_") and k not in fields]
    assert not unknown, f"compose.yaml sets settings Aya does not have: {unknown}"
    readme = (REPO_ROOT / "README.md").read_text()
    assert all(f"`{k}`" in readme for k in env if k.startswith("AYA_"))
    values = {k[4:].lower(): _substituted(v) for k, v in env.items() if k.startswith("AYA_")}
    settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]  # refuses unsafe production settings
    assert settings.env == "production" and settings.auth_mode == "token"
    assert settings.attachments_dir == Path("/attachments")


def test_the_opensearch_cluster(compose: dict[str, Any]) -> None:
    for node in SEARCH_NODES:
        env = _env(compose["services"][node])
        assert env["node.name"] == node
        assert env["discovery.seed_hosts"].split(",") == SEARCH_NODES
        assert env["cluster.initial_cluster_manager_nodes"].split(",") == SEARCH_NODES
        assert "healthcheck" in compose["services"][node]
    volumes = {v.split(":")[0] for node in SEARCH_NODES for v in compose["services"][node]["volumes"]}
    assert volumes == set(SEARCH_NODES) and volumes <= set(compose["volumes"])


def test_the_dockerfile() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", text, re.M)
    assert len(stages) >= 3 and stages[0][1] == "web"
    assert "npm ci" in text and "npm run build" in text
    assert "uv sync --frozen" in text and "--no-dev" in text
    final = text[text.rindex("\nFROM ") :]
    assert "COPY --from=web" in final and "COPY --from=python" in final
    user = re.findall(r"^USER\s+(\S+)", final, re.M)
    assert user and user[-1] not in ("root", "0"), "the worker must not run as root"
    assert final.index("USER ") < final.index("CMD ")
    assert re.search(r"^HEALTHCHECK .*", final, re.M) and "/healthz" in final
    assert re.search(r'^CMD \["aya", "serve"', final, re.M)
    for source in re.findall(r"^COPY (?!--from)(.+?) \S+$", text, re.M):
        for path in source.split():
            assert (REPO_ROOT / path.rstrip("/")).exists(), f"COPY of a missing path: {path}"


def test_the_proxy_streams_and_upgrades() -> None:
    proxy = PROXY_CONF.read_text()
    for line in (
        "proxy_buffering off;",
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_set_header X-Request-ID $request_id;",
    ):
        assert line in proxy
    lines = (proxy + NGINX_COMPOSE.read_text()).splitlines()
    directives = [line.strip() for line in lines if not line.strip().startswith("#")]
    assert not [d for d in directives if d.startswith(("ip_hash", "sticky", "hash "))], "no sticky sessions"


def test_nginx_accepts_both_configs(tmp_path: Path) -> None:
    find_nginx()
    local = Nginx(["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"])
    try:
        assert "test is successful" in local.check()
        # the compose config, with the workers' names pointed at loopback (nginx -t resolves them)
        conf = NGINX_COMPOSE.read_text().replace("/etc/nginx/aya-proxy.conf", str(PROXY_CONF))
        upstream = re.search(r"upstream aya \{(.*?)\}", conf, re.S)
        assert upstream is not None
        assert re.findall(r"server (\w+):8000", upstream.group(1)) == WEB
        conf = re.sub(r"server web\d:8000", "server 127.0.0.1:8000", conf)
        conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{free_port()};")
        local.conf.write_text(local.conf.read_text().split("http {")[0] + "http {\n" + conf + "\n}\n")
        done = subprocess.run([find_nginx(), "-t", "-p", str(local.prefix), "-c", str(local.conf)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
    finally:
        local.stop()
