"""Install, finish, uninstall and update of the local app (§1.2, §3.3, §13.2)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from b24sandbox.core import PortalCore
from b24sandbox.delivery import post_form
from b24sandbox.model import Binding, Install


@dataclass
class PostResult:
    """What the sandbox POSTed to the app and what the app answered."""

    url: str
    form: dict[str, Any]
    status: int | None
    body: str
    error: str | None = None


def _post(url: str, form: dict[str, Any], timeout: float) -> PostResult:
    try:
        status, body = post_form(url, form, timeout)
    except (OSError, ValueError) as exc:
        return PostResult(url, form, None, "", f"{type(exc).__name__}: {exc}")
    return PostResult(url, form, status, body)


class InstallActions:
    """Mixed into SandboxPortal."""

    core: PortalCore
    delivery_timeout: float

    def _page_query(self) -> str:
        return urlencode(
            {
                "DOMAIN": self.core.bus.endpoints.domain,
                "PROTOCOL": "0",
                "LANG": "ru",
                "APP_SID": secrets.token_hex(16),
            }
        )

    def _page_form(self, user_id: int, placement: str, options: dict[str, Any]) -> dict[str, Any]:
        """§13.2: the iframe POST every app page and placement receives."""
        access = self.core.tokens.issue(user_id)
        return {
            "AUTH_ID": access.token,
            "AUTH_EXPIRES": str(self.core.tokens.ttl),
            "REFRESH_ID": access.refresh_token,
            "SERVER_ENDPOINT": self.core.bus.endpoints.server_endpoint,
            "member_id": self.core.state.member_id,
            "status": "L",
            "APPLICATION_TOKEN": self.core.state.install.application_token,
            "APPLICATION_SCOPE": ",".join(self.core.state.app_scopes),
            "PLACEMENT": placement,
            "PLACEMENT_OPTIONS": json.dumps(options, separators=(",", ":")),
        }

    def install_app(
        self,
        install_url: str,
        handler_url: str | None = None,
        *,
        ui: bool = False,
        installer_id: int = 1,
    ) -> PostResult:
        """API-only: ONAPPINSTALL to the install path, installed at once. UI: the install page
        POST; installed only after `install_finish()` (the page's BX24.installFinish())."""
        with self.core.lock:
            state = self.core.state
            version = state.install.version
            state.install = Install(
                application_token=secrets.token_hex(16),
                installed=True,
                finished=not ui,
                ui=ui,
                install_url=install_url,
                handler_url=handler_url or install_url,
                installer_id=installer_id,
                version=version,
                installed_at=self.core.now(),
            )
            if ui:
                form = self._page_form(installer_id, "DEFAULT", {})
                url = f"{install_url}{'&' if '?' in install_url else '?'}{self._page_query()}"
            else:
                form = self._install_event(installer_id)
                url = install_url
            self.core.save()
        return _post(url, form, self.delivery_timeout)

    def _install_event(self, installer_id: int) -> dict[str, Any]:
        return {
            "event": "ONAPPINSTALL",
            "data": {
                "VERSION": str(self.core.state.install.version),
                "ACTIVE": "Y",
                "INSTALLED": "Y",
                "LANGUAGE_ID": "ru",
            },
            "ts": str(int(self.core.now())),
            "auth": self.core.bus.auth(installer_id, refresh=True),
        }

    def install_finish(self) -> None:
        """BX24.installFinish(): from now on events are delivered; a bound ONAPPINSTALL fires."""
        with self.core.lock:
            install = self.core.state.install
            if not install.installed or install.finished:
                return
            install.finished = True
            for binding in self.core.state.bindings.values():
                if binding.event == "ONAPPINSTALL" and not binding.offline:
                    payload = self._install_event(install.installer_id)
                    payload["event_handler_id"] = str(binding.id)
                    self.core.deliverer.submit(binding.handler, payload)
            self.core.save()

    def uninstall_app(self, clean: bool = False) -> None:
        """§3.3 ONAPPUNINSTALL (no usable tokens) to the bound handler or the install path;
        then every token, binding, placement and offline record is gone."""
        with self.core.lock:
            state = self.core.state
            targets = [
                (str(b.id), b.handler)
                for b in state.bindings.values()
                if b.event == "ONAPPUNINSTALL" and not b.offline
            ]
            if not targets and state.install.install_url:
                targets = [("", state.install.install_url)]
            static = self.core.bus.static_auth()
            auth = {
                k: static[k] for k in ("domain", "server_endpoint", "client_endpoint", "member_id")
            }
            auth["application_token"] = state.install.application_token
            for handler_id, url in targets:
                payload: dict[str, Any] = {"event": "ONAPPUNINSTALL"}
                if handler_id:
                    payload["event_handler_id"] = handler_id
                payload.update(
                    {
                        "data": {"LANGUAGE_ID": "ru", "CLEAN": "1" if clean else "0"},
                        "ts": "",
                        "auth": dict(auth),
                    }
                )
                self.core.deliverer.submit(url, payload)
            self.core.tokens.revoke_all()
            state.bindings.clear()
            state.placements.clear()
            state.offline.clear()
            state.install.installed = state.install.finished = False
            self.core.save()

    def add_binding(
        self, event: str, *, handler: str = "", connector: str = "", auth_type: int = 0
    ) -> int:
        """A binding as an earlier install left it on the portal (e.g. an offline binding with
        no connector, `handler=""`), for upgrade tests; returns its id."""
        with self.core.lock:
            state = self.core.state
            binding = Binding(
                state.next_id("bindings"), event.upper(), handler, auth_type, not handler, connector
            )
            state.bindings[binding.id] = binding
            self.core.save()
            return binding.id

    def app_update(self) -> None:
        """§1.2: a new version wipes event and placement bindings."""
        with self.core.lock:
            self.core.state.bindings.clear()
            self.core.state.placements.clear()
            self.core.state.install.version += 1
            self.core.save()

    def open_app(
        self,
        user_id: int = 1,
        placement: str = "DEFAULT",
        options: dict[str, Any] | None = None,
        url: str | None = None,
    ) -> PostResult:
        """A user opens the app page or a placement: the §13.2 POST to its handler."""
        with self.core.lock:
            target = url or self._placement_handler(placement)
            form = self._page_form(user_id, placement, options or {})
            self.core.save()
        return _post(
            f"{target}{'&' if '?' in target else '?'}{self._page_query()}",
            form,
            self.delivery_timeout,
        )

    def frame_form(
        self, user_id: int, placement: str, options: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """What a portal page that frames the app POSTs into its iframe (b24sandbox.appframe):
        the handler URL with the §13.2 query string, and the §13.2 form for this viewer."""
        with self.core.lock:
            target = self._placement_handler(placement)
            form = self._page_form(user_id, placement, options)
            self.core.save()
        return f"{target}{'&' if '?' in target else '?'}{self._page_query()}", form

    def _placement_handler(self, placement: str) -> str:
        if placement == "DEFAULT":
            return self.core.state.install.handler_url
        for p in self.core.state.placements.values():
            if p.placement == placement:
                return p.handler
        raise KeyError(f"placement {placement} is not bound")
