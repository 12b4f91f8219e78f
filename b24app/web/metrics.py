"""Prometheus text metrics: inbox depth and age, failures, REST requests and rate-limit waits."""

from __future__ import annotations

from b24app.bitrix.transport import Transport
from b24app.services import Services


def render_metrics(svc: Services) -> str:
    inbox = svc.inbox.stats()
    stats = svc.stats
    lines = [
        "# HELP b24app_inbox_events Events in the inbox by status.",
        "# TYPE b24app_inbox_events gauge",
    ]
    for status in ("pending", "processing", "done", "failed", "ignored"):
        lines.append(f'b24app_inbox_events{{status="{status}"}} {inbox[status]}')
    lines += [
        "# HELP b24app_inbox_oldest_pending_seconds Age of the oldest unprocessed event.",
        "# TYPE b24app_inbox_oldest_pending_seconds gauge",
        f"b24app_inbox_oldest_pending_seconds {inbox['oldest_pending_age_seconds']}",
        "# HELP b24app_rest_requests_total REST requests sent to Bitrix24.",
        "# TYPE b24app_rest_requests_total counter",
        f"b24app_rest_requests_total {stats.requests}",
        "# HELP b24app_rest_batch_commands_total Commands sent inside batch requests.",
        "# TYPE b24app_rest_batch_commands_total counter",
        f"b24app_rest_batch_commands_total {stats.batch_commands}",
        "# HELP b24app_rest_rate_limited_total Rate-limit answers (QUERY_LIMIT_EXCEEDED, 429).",
        "# TYPE b24app_rest_rate_limited_total counter",
        f"b24app_rest_rate_limited_total {stats.rate_limited}",
        "# HELP b24app_rest_rate_limit_wait_seconds_total Seconds slept after rate-limit answers.",
        "# TYPE b24app_rest_rate_limit_wait_seconds_total counter",
        f"b24app_rest_rate_limit_wait_seconds_total {round(stats.rate_limit_wait_seconds, 3)}",
        "# HELP b24app_rest_throttle_wait_seconds_total Seconds requests waited for our bucket.",
        "# TYPE b24app_rest_throttle_wait_seconds_total counter",
        f"b24app_rest_throttle_wait_seconds_total {_throttle_wait(svc)}",
        "# HELP b24app_rest_retries_total REST calls retried after a passing error.",
        "# TYPE b24app_rest_retries_total counter",
        f"b24app_rest_retries_total {stats.retries}",
        "# HELP b24app_rest_errors_total REST calls that ended in an error.",
        "# TYPE b24app_rest_errors_total counter",
        f"b24app_rest_errors_total {stats.errors}",
        "# HELP b24app_token_refreshes_total Access-token refreshes.",
        "# TYPE b24app_token_refreshes_total counter",
        f"b24app_token_refreshes_total {stats.refreshes}",
    ]
    return "\n".join(lines) + "\n"


def _throttle_wait(svc: Services) -> float:
    """Client-side pacing (§11 bucket); 0 until the process made its first request."""
    transport: Transport | None = getattr(svc, "_transport", None)  # a scrape makes none
    buckets = transport.buckets if transport is not None else {}
    shared = svc.stats.shared_throttle_wait_seconds  # the bucket of all instances (PostgreSQL)
    return round(sum(b.waited for b in buckets.values()) + shared, 3)
