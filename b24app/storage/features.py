"""The plan features of each portal (b24app.bitrix.features), kept in the key-value table."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, replace

from b24app.bitrix.features import OFFLINE_EXTENDED, PortalFeatures
from b24app.storage.database import Database

log = logging.getLogger(__name__)

_KV_KEY = "plan_features"


class FeatureStore:
    """The features of each portal, kept in the key-value table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, member_id: str) -> PortalFeatures:
        raw = self.db.get_value(member_id, _KV_KEY)
        if not raw:
            return PortalFeatures()
        try:
            data = json.loads(raw)
            return PortalFeatures(
                data.get("offline_extended"),
                data.get("auth_connector"),
                float(data.get("checked_at") or 0),
            )
        except (ValueError, TypeError, AttributeError):
            return PortalFeatures()

    def save(self, member_id: str, features: PortalFeatures) -> None:
        self.db.set_value(member_id, _KV_KEY, json.dumps(asdict(features)))

    def mark_missing(self, member_id: str, code: str) -> None:
        """A request was refused with WRONG_LICENSE for `code`: remember it until the next check."""
        current = self.get(member_id)
        field = "offline_extended" if code == OFFLINE_EXTENDED else "auth_connector"
        if getattr(current, field) is not False:
            log.warning("portal %s: the plan has no %s; using the fallback", member_id, code)
            self.save(member_id, replace(current, **{field: False}))
