"""The app's pages inside Bitrix24 (dashboard, task tab, settings); `register_web` plugs them in."""

from __future__ import annotations

from b24app.pages.views import register_web

__all__ = ["register_web"]
