"""The deployment files an admin copies: the compose file (validated against the Compose
Specification's JSON schema, and by `docker compose config` where it exists), the Dockerfile's
promises (non-root, health check) and the systemd unit (`systemd-analyze verify`)."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from b24app.config.settings import environment_names

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
# schema/compose-spec.json of github.com/compose-spec/compose-spec (Apache-2.0), vendored so
# the check needs no network.
SCHEMA = Path(__file__).with_name("compose-spec.json")
KNOWN_ENV = set(environment_names())


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return document


def validator() -> jsonschema.Draft7Validator:
    """The schema says draft-07 (with an https $schema URL jsonschema does not know)."""
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_compose_file_matches_the_compose_specification() -> None:
    validator().validate(compose())  # raises ValidationError naming the path


@pytest.mark.parametrize(
    ("service", "key", "value"),
    [
        pytest.param("app1", "ports", [{"target": 80, "bogus": 1}], id="bad-port-entry"),
        pytest.param("proxy", "restart_policy", "always", id="unknown-key"),
        pytest.param("postgres", "depends_on", {"x": {"condition": "maybe"}}, id="bad-condition"),
    ],
)
def test_the_schema_check_can_fail(service: str, key: str, value: Any) -> None:
    broken = compose()
    broken["services"][service][key] = value
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(broken)


def test_compose_has_postgresql_two_instances_and_one_proxy() -> None:
    services = compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    apps = [name for name, s in services.items() if s.get("image") == "b24-reglament:latest"]
    assert sorted(apps) == ["app1", "app2", "migrate"]
    assert services["migrate"]["command"] == ["migrate"]
    for name in ("app1", "app2"):
        app = services[name]
        assert "ports" not in app, f"{name} must not publish ports: only the proxy does"
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert app["environment"]["B24APP_DATABASE_URL"].startswith("postgresql://")
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert sorted(proxy["ports"]) == ["443:443", "80:80"]
    for volume in proxy["volumes"]:
        source = volume.split(":", 1)[0]
        if source.startswith("./nginx/"):
            assert (DEPLOY / source).is_file(), source


def test_example_environment_files_name_only_real_variables() -> None:
    for example in (DEPLOY / "compose.env.example", DEPLOY / "systemd" / "env.example"):
        names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example.read_text(), flags=re.M)
        app_names = {n for n in names if n.startswith(("B24_", "B24APP_"))}
        assert app_names, example
        assert app_names <= KNOWN_ENV, (example, app_names - KNOWN_ENV)
        assert "B24APP_ENCRYPTION_KEYS" in app_names
        assert "B24APP_API_TOKEN" in app_names


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker") or ""
    probe = (
        subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if docker
        else None
    )
    if probe is None or probe.returncode != 0:
        pytest.skip("`docker compose` is not installed: the file is checked by its schema only")
    env = tmp_path / ".env"
    env.write_text((DEPLOY / "compose.env.example").read_text())
    answer = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "--env-file", str(env), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_runs_as_a_user_and_checks_health() -> None:
    steps = dockerfile()
    users = [args for name, args in steps if name == "USER"]
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    last_user = max(i for i, (name, _) in enumerate(steps) if name == "USER")
    entry = max(i for i, (name, _) in enumerate(steps) if name in ("CMD", "ENTRYPOINT"))
    assert last_user < entry
    health = [args for name, args in steps if name == "HEALTHCHECK"]
    assert len(health) == 1
    assert "/healthz" in health[0]
    env = " ".join(args for name, args in steps if name in ("ENV", "ARG"))
    for secret in ("TOKEN", "SECRET", "ENCRYPTION_KEYS", "PASSWORD"):
        assert secret not in env, "secrets come at run time, never in the image"


def test_dockerignore_keeps_secrets_and_data_out_of_the_build() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".b24app", ".git"):
        assert entry in ignored


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / "b24app.service")
    return parser


def test_systemd_unit_runs_serve_locally_as_its_own_user() -> None:
    service = unit()["Service"]
    assert service["User"] == "b24app"
    assert "serve --host 127.0.0.1" in service["ExecStart"]
    assert service["ExecStartPre"].endswith("b24app migrate")
    assert service["EnvironmentFile"] == "/etc/b24app/env"
    assert service["KillSignal"] == "SIGINT"
    assert service["ReadWritePaths"] == service["WorkingDirectory"] == "/var/lib/b24app"


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the unit is checked as INI only")
    b24app = Path(sys.executable).with_name("b24app")
    text = (DEPLOY / "systemd" / "b24app.service").read_text()
    copy = tmp_path / "b24app.service"
    copy.write_text(text.replace("/opt/b24app/bin/b24app", str(b24app)))
    answer = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True)
    assert answer.returncode == 0, answer.stderr
    assert "Unknown" not in answer.stderr, answer.stderr


def test_dockerfile_copies_everything_the_package_build_needs() -> None:
    """Without a runtime to build it here, at least the COPY list must hold what
    `pip install .` reads: pyproject.toml, the readme and every package."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    copied = {
        source.rstrip("/")
        for name, args in dockerfile()
        if name == "COPY"
        for source in args.split()[:-1]
    }
    needed = {"pyproject.toml", project["project"]["readme"]}
    needed |= {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert needed <= copied, needed - copied
    for source in copied:
        assert (ROOT / source).exists(), source
