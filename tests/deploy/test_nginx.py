"""deploy/nginx/b24app.conf in a real nginx with a throwaway certificate, in front of the app:
/b24/* reaches the app over TLS, /api, /metrics and /healthz do not, plain HTTP redirects."""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from b24demo.stack import LocalStack, free_port
from tests.webapp import event_body

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nginx"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx-light): site not run"
)


def self_signed(directory: Path) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(directory / "fullchain.pem")


def site_for_test(directory: Path, http_port: int, https_port: int) -> str:
    """The shipped site with only what a test machine needs changed: ports, paths, IPv6."""
    site = (DEPLOY / "b24app.conf").read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "/etc/ssl/b24app/": f"{directory}/",
        "/var/log/nginx/b24app.access.log": f"{directory}/access.log",
    }
    for old, new in replacements.items():
        assert old in site, f"the site no longer has {old!r}: update this test"
        site = site.replace(old, new)
    return site


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with LocalStack(tmp_path / "app", rate_limit=None) as running:
        running.install()
        yield running


@pytest.fixture
def proxy(tmp_path: Path, stack: LocalStack) -> Iterator[tuple[str, str, str]]:
    assert NGINX is not None
    http_port, https_port = free_port(), free_port()
    cert = self_signed(tmp_path)
    upstream = (
        (DEPLOY / "upstream.conf").read_text().replace("127.0.0.1:8080", f"127.0.0.1:{stack.port}")
    )
    (tmp_path / "upstream.conf").write_text(upstream)
    (tmp_path / "site.conf").write_text(site_for_test(tmp_path, http_port, https_port))
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "".join(
        f"{kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"{user} pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; "
        "events { worker_connections 64; } "
        f"http {{ {temp} include {tmp_path}/upstream.conf; include {tmp_path}/site.conf; }}"
    )
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"]
    )
    https = f"https://127.0.0.1:{https_port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            requests.get(https + "/b24/static/pages.css", verify=cert, timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    try:
        yield https, f"http://127.0.0.1:{http_port}", cert
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(timeout=10)


def test_the_site_passes_b24_and_keeps_api_metrics_health_internal(
    proxy: tuple[str, str, str], stack: LocalStack
) -> None:
    https, http, cert = proxy
    static = requests.get(f"{https}/b24/static/pages.css", verify=cert, timeout=10)
    assert static.status_code == 200
    assert "Strict-Transport-Security" in static.headers
    forged = requests.post(
        f"{https}/b24/events",
        data=event_body("ontaskadd.txt", **{"auth[application_token]": "0" * 32}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        verify=cert,
        timeout=10,
    )
    assert forged.status_code == 401  # the app answered: events reach it
    assert forged.json()["error"] == "invalid_application_token"
    page = requests.post(f"{https}/b24/app", data={"AUTH_ID": "x"}, verify=cert, timeout=30)
    assert page.status_code == 403
    assert "Приложение не установлено" in page.text  # the app's page, in Russian
    for path in ("/api/events", "/api/tasks/1", "/api/reports/2026-11", "/metrics", "/healthz"):
        answer = requests.get(f"{https}{path}", headers=stack.auth, verify=cert, timeout=10)
        assert answer.status_code == 404, path
        assert "nginx" in answer.text, path  # nginx's own page: the app never saw it
    direct = requests.get(f"{stack.url}/api/events", headers=stack.auth, timeout=10)
    assert direct.status_code == 200  # internally, with the token, the API works
    plain = requests.get(f"{http}/b24/app", allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
