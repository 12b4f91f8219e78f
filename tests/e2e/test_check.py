"""`b24app check` names the plan's features, the fallbacks in use and the offline handlers."""

from __future__ import annotations

import pytest

from b24app.bitrix.features import AUTH_CONNECTOR, OFFLINE_EXTENDED
from b24app.cli.main import main
from b24demo.stack import LocalStack

OFFLINE_EVENTS = ("ONTASKADD", "ONTASKUPDATE", "ONTASKCOMMENTADD")


@pytest.fixture
def check_env(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    settings = stack.settings
    for name, value in {
        "B24APP_DATA_DIR": str(settings.data_dir),
        "B24_CLIENT_ID": settings.client_id,
        "B24_CLIENT_SECRET": settings.client_secret,
        "B24_OAUTH_URL": settings.oauth_url,
        "B24APP_PUBLIC_URL": settings.public_url,
    }.items():
        monkeypatch.setenv(name, value)
    return stack


def run_check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", *args])
    return code, capsys.readouterr().out


def test_check_prints_the_plan_features(
    check_env: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_check(capsys)
    assert code == 0
    assert "plan features: rest_offline_extended yes, rest_auth_connector yes" in out
    assert "fallback: none" in out
    assert "offline handlers: ok (connector 'b24reglament')" in out


def test_check_names_the_fallbacks_of_a_smaller_plan(
    check_env: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    check_env.portal.set_feature(OFFLINE_EXTENDED, False)
    check_env.portal.set_feature(AUTH_CONNECTOR, False)
    code, out = run_check(capsys)
    assert "plan features: rest_offline_extended no, rest_auth_connector no" in out
    assert "fallback: offline queue read with clear=1" in out
    assert "fallback: no auth_connector" in out
    # the handlers still carry the connector the plan no longer allows: reported
    assert code == 1
    assert "ONTASKADD: no offline handler with connector ''" in out


def test_check_fix_moves_connectorless_handlers(
    check_env: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = check_env
    portal = stack.services.portals.get(stack.member_id)
    assert portal is not None
    client = stack.services.client_for(portal)
    unbind = {e: ("event.unbind", {"event": e, "event_type": "offline"}) for e in OFFLINE_EVENTS}
    client.batch(unbind, connector="b24reglament")
    client.batch({e: ("event.bind", {"event": e, "event_type": "offline"}) for e in OFFLINE_EVENTS})
    code, out = run_check(capsys)
    assert code == 1
    assert "ONTASKADD: an offline handler with connector '' (queue not read)" in out
    assert "run `b24app check --fix`" in out
    code, out = run_check(capsys, "--fix")
    assert code == 0
    assert "offline handlers: fixed (3 bound, 0 errors)" in out
    code, out = run_check(capsys)
    assert code == 0
    assert "offline handlers: ok" in out
