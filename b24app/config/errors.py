"""The one error a bad configuration raises: every wrong key with its Russian message."""

from __future__ import annotations

from collections.abc import Mapping


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message names the key.

    `errors` maps each wrong key (`regulation.warranty_days`, `clients[0].name`,
    `B24APP_BURST`) to its message in Russian; `str()` is «key: message», one line per key,
    which is what the CLI prints.
    """

    def __init__(self, message: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, str] = dict(errors or {})

    @classmethod
    def of(cls, errors: Mapping[str, str]) -> ConfigError:
        """One error for several keys."""
        return cls("\n".join(f"{key}: {text}" for key, text in errors.items()), errors)
