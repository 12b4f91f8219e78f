"""Masking secrets in whatever the app prints or logs: webhook URLs, tokens, OAuth query strings.

Every place that shows a URL or an error that may hold one (`b24app check`, `/healthz`, stored
error texts, the log) goes through `redact` or `mask_url`; the log handler of `b24app` runs
`RedactingFilter` over every record as a last line of defence (tests/proof/test_secrets.py
collects everything printed and logged and looks for the secrets in it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"

# An incoming webhook is https://portal/rest/<user id>/<secret>/: the secret is the path part.
_WEBHOOK = re.compile(r"(/rest/\d+/)([^/\s?#\"'<>]+)")
# Token-like parameters in query strings and form bodies (`auth[access_token]=…` included).
_PARAMS = re.compile(
    r"(?i)\b(access_token|refresh_token|client_secret|application_token|auth_id|refresh_id|"
    r"auth|password)((?:\]|%5D)?=)([^&\s\"'#<>]+)"
)
# The same names as JSON or repr keys: "access_token": "…"
_QUOTED = re.compile(
    r"(?i)([\"'](?:access_token|refresh_token|client_secret|application_token|auth_id|"
    r"refresh_id)[\"']\s*:\s*[\"'])([^\"']+)"
)
# A URL with a password: scheme://user:password@host
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)(@)")


def redact(text: str, known: Iterable[str] = ()) -> str:
    """The text with webhook secrets, token parameters, URL passwords and `known` values masked."""
    text = _WEBHOOK.sub(rf"\g<1>{MASK}", text)
    text = _PARAMS.sub(rf"\g<1>\g<2>{MASK}", text)
    text = _QUOTED.sub(rf"\g<1>{MASK}", text)
    text = _USERINFO.sub(rf"\g<1>{MASK}\g<3>", text)
    for secret in known:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


def mask_url(url: str) -> str:
    """A URL safe to print: `https://acme.bitrix24.ru/rest/1/***/` for an incoming webhook."""
    return redact(url)


class RedactingFilter(logging.Filter):
    """A handler filter that masks secrets in the message, its arguments and the traceback."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        super().__init__()
        self.known = tuple(k for k in known if k)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message, self.known), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.known)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.known)
        return True
