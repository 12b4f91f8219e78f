"""Plan features and offline bindings as the app reads them (no portal: the answers as data)."""

from __future__ import annotations

import pytest

from b24app.bitrix.bindings import offline_commands, read_bindings, unbind_commands
from b24app.bitrix.client import BatchResult
from b24app.bitrix.errors import BitrixError
from b24app.bitrix.features import AUTH_CONNECTOR, OFFLINE_EXTENDED, PortalFeatures, features_from

FEATURE_ANSWERS = [
    pytest.param({"value": "Y"}, True, id="cloud-yes"),
    pytest.param({"value": "N"}, False, id="cloud-no"),
    # core: CRestProvider::getFeature answers LANGUAGE_ID . '_selfhosted' without the bitrix24
    # module, where neither gate applies
    pytest.param({"value": "ru_selfhosted"}, True, id="self-hosted"),
    pytest.param({"value": ""}, None, id="empty-unknown"),
    pytest.param("Y", True, id="bare-value"),
]


@pytest.mark.parametrize(("answer", "expected"), FEATURE_ANSWERS)
def test_feature_get_answers(answer: object, expected: bool | None) -> None:
    batch = BatchResult({"a": answer, "b": {"value": "Y"}}, {}, {}, {})
    features = features_from(batch, 0.0, {OFFLINE_EXTENDED: "a", AUTH_CONNECTOR: "b"})
    assert features.offline_extended is expected
    assert features.auth_connector is True


def test_a_failed_feature_get_is_unknown_and_tried() -> None:
    """A portal (or stand-in) without feature.get: the app tries the connector and clear=0; a
    WRONG_LICENSE answer then corrects the features."""
    batch = BatchResult({}, {"a": BitrixError("ERROR_METHOD_NOT_FOUND")}, {}, {})
    features = features_from(batch, 0.0, {OFFLINE_EXTENDED: "a", AUTH_CONNECTOR: "a"})
    assert features == PortalFeatures(None, None, 0.0)
    assert features.reserves_offline
    assert features.uses_connector
    assert features.fallbacks() == []


def test_fallbacks_are_named() -> None:
    features = PortalFeatures(offline_extended=False, auth_connector=False)
    assert features.describe() == {OFFLINE_EXTENDED: "no", AUTH_CONNECTOR: "no"}
    assert [line.split(" ")[0] for line in features.fallbacks()] == ["offline", "no"]


# core: modules/rest/lib/api/event.php Event::eventGet — offline rows carry no handler
EVENT_GET = [
    {"event": "ONTASKADD", "handler": "https://app/b24/events", "auth_type": "0", "offline": 0},
    {"event": "ONTASKADD", "connector_id": "", "offline": 1},
    {"event": "ONTASKUPDATE", "connector_id": "b24reglament", "offline": 1},
    {"event": "ONTASKCOMMENTADD", "connector_id": "", "offline": 1},
    {"event": "ONTASKCOMMENTADD", "connector_id": "b24reglament", "offline": 1},
]


def test_bindings_read_connectors_of_offline_handlers() -> None:
    bindings = read_bindings(EVENT_GET)
    assert bindings.online == {("ONTASKADD", "https://app/b24/events")}
    assert bindings.offline == {
        "ONTASKADD": {""},
        "ONTASKUPDATE": {"b24reglament"},
        "ONTASKCOMMENTADD": {"", "b24reglament"},
    }


def test_offline_binds_are_planned_per_connector() -> None:
    bindings = read_bindings(EVENT_GET)
    events = ("ONTASKADD", "ONTASKUPDATE", "ONTASKCOMMENTADD")
    planned = offline_commands(events, bindings, "b24reglament")
    assert planned == {
        "off_ONTASKADD": ("event.bind", {"event": "ONTASKADD", "event_type": "offline"})
    }
    assert set(offline_commands(events, bindings, "")) == {"off_ONTASKUPDATE"}
    # the connector itself is never a command parameter (the core ignores it there)
    assert all("auth_connector" not in params for _, params in planned.values())


def test_unbinds_take_the_connector_from_the_request() -> None:
    bindings = read_bindings(EVENT_GET)
    assert set(unbind_commands(bindings, "")) == {"un_ONTASKADD", "un_ONTASKCOMMENTADD"}
    assert set(unbind_commands(bindings, "b24reglament")) == {
        "un_ONTASKUPDATE",
        "un_ONTASKCOMMENTADD",
    }


def test_an_offline_row_without_its_connector_is_taken_as_asked() -> None:
    """The docs show no offline row of event.get; a portal that omits connector_id must not make
    the app re-bind or remove handlers on a guess."""
    rows = [{"event": "ONTASKADD", "offline": 1}]
    assert read_bindings(rows, "b24reglament").offline == {"ONTASKADD": {"b24reglament"}}
    assert (
        offline_commands(("ONTASKADD",), read_bindings(rows, "b24reglament"), "b24reglament") == {}
    )
