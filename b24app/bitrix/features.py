"""Plan features of a portal (feature.get) and the fallbacks the app uses without them.

Two features decide how the app reads its offline queue (docs: api-reference/common/system/
feature-get.md, api-reference/events/offline-events.md; core: modules/rest/classes/general/
rest_provider.php CRestProvider::getFeature):

- `rest_offline_extended`: `event.offline.get` with `clear=0` (reserve, then confirm). Without
  it the core refuses `clear=0` with 403 WRONG_LICENSE (modules/rest/lib/api/event.php
  Event::eventOfflineGet); the app then takes records with `clear=1` (deleted on read) and
  sweeps changed tasks whenever a read's answer may have been lost.
- `rest_auth_connector`: any request carrying `auth_connector` (Professional plan and up). Without
  it the core refuses the whole request (CRestServer::checkAuth → WRONG_LICENSE); the app then
  binds its offline handlers and writes without a connector, which the suppression rule still
  keeps its own writes out of (an empty connector equals an empty one: modules/rest/lib/event/
  provideroffline.php ProviderOffline::finalize).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from b24app.bitrix.client import BatchResult

log = logging.getLogger(__name__)

OFFLINE_EXTENDED = "rest_offline_extended"
AUTH_CONNECTOR = "rest_auth_connector"
FEATURE_CODES = (OFFLINE_EXTENDED, AUTH_CONNECTOR)


@dataclass(frozen=True, slots=True)
class PortalFeatures:
    """What feature.get answered; None = not known (the app tries; a refusal corrects it)."""

    offline_extended: bool | None = None
    auth_connector: bool | None = None
    checked_at: float = 0.0

    @property
    def reserves_offline(self) -> bool:
        return self.offline_extended is not False

    @property
    def uses_connector(self) -> bool:
        return self.auth_connector is not False

    def describe(self) -> dict[str, str]:
        """Each feature → 'yes' / 'no' / 'unknown', for `b24app check` and /healthz."""
        return {
            OFFLINE_EXTENDED: _word(self.offline_extended),
            AUTH_CONNECTOR: _word(self.auth_connector),
        }

    def fallbacks(self) -> list[str]:
        """The fallbacks in use, in words (empty when the plan has everything)."""
        found = []
        if not self.reserves_offline:
            found.append(
                "offline queue read with clear=1 (no rest_offline_extended): a read whose "
                "answer is lost is recovered by a sweep of changed tasks"
            )
        if not self.uses_connector:
            found.append(
                "no auth_connector (no rest_auth_connector): offline handlers and writes go "
                "without a connector; the app's own writes are still not queued for it"
            )
        return found


def features_from(batch: BatchResult, checked_at: float, keys: dict[str, str]) -> PortalFeatures:
    """Read feature.get answers of a batch; `keys` maps feature code → batch key."""
    values = {code: _value(batch, key) for code, key in keys.items()}
    return PortalFeatures(values.get(OFFLINE_EXTENDED), values.get(AUTH_CONNECTOR), checked_at)


def feature_commands() -> dict[str, tuple[str, dict[str, Any]]]:
    """Batch commands asking feature.get for each code (keys: the codes themselves)."""
    return {code: ("feature.get", {"CODE": code}) for code in FEATURE_CODES}


def _value(batch: BatchResult, key: str) -> bool | None:
    if key in batch.errors:
        log.info("feature.get %s failed: %s; treated as unknown", key, batch.errors[key])
        return None
    result = batch.results.get(key)
    value = result.get("value") if isinstance(result, dict) else result
    if value in ("Y", True):
        return True
    if value in ("N", False):
        return False
    # self-hosted portals answer "<lang>_selfhosted": there the gates are not applied
    # (core: Loader::includeModule('bitrix24') is false, so both checks pass)
    return True if isinstance(value, str) and value.endswith("_selfhosted") else None


def _word(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"
