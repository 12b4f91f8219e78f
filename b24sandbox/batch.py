"""`batch` (§9): ≤ 50 sub-calls, `halt`, `$result[key][path]` references, HTTP 200 on sub-errors."""

from __future__ import annotations

import re
import time
from typing import Any, Protocol
from urllib.parse import parse_qsl

from b24sandbox.context import CallContext, arg
from b24sandbox.core import PortalCore
from b24sandbox.errors import RestError
from b24sandbox.faults import Faults
from b24sandbox.phpform import flatten, parse_pairs


class MethodRunner(Protocol):
    """What a batch needs of the REST layer (b24sandbox.rest.Rest) to run its sub-calls."""

    core: PortalCore
    faults: Faults

    def time_block(self, method: str, start: float, processing: float) -> dict[str, Any]: ...

    def run_method(self, ctx: CallContext, method: str, params: Any, *, direct: bool) -> Any: ...


MAX_COMMANDS = 50
_REF = re.compile(r"\$(result_error|result_total|result_next|result_time|result)((?:\[[^\]]*\])+)")


def _resolve(sections: dict[str, dict[str, Any]], kind: str, path: str) -> Any:
    keys = re.findall(r"\[([^\]]*)\]", path)
    node: Any = sections.get(kind, {})
    for key in keys:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _substitute(
    pairs: list[tuple[str, str]], sections: dict[str, dict[str, Any]]
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in pairs:
        whole = _REF.fullmatch(value)
        if whole:
            resolved = _resolve(sections, whole.group(1), whole.group(2))
            if isinstance(resolved, dict | list):
                out += [
                    (f"{key}{k[k.index('[') :]}" if "[" in k else f"{key}[{k}]", v)
                    for k, v in flatten({"x": resolved})
                ]
                continue
        text = _REF.sub(lambda m: _scalar(_resolve(sections, m.group(1), m.group(2))), value)
        out.append((key, text))
    return out


def _scalar(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    return str(value)


def _commands(params: Any) -> dict[str, str]:
    cmd = arg(params, "cmd") or {}
    if isinstance(cmd, list):
        cmd = {str(i): c for i, c in enumerate(cmd)}
    if not isinstance(cmd, dict):
        raise RestError(400, "ERROR_BATCH_ARGUMENT", "Wrong cmd")
    if len(cmd) > MAX_COMMANDS:
        # Stricter reading of "for the excess": the whole batch is refused.
        raise RestError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
    return {str(k): str(v) for k, v in cmd.items()}


def command_methods(params: Any) -> list[str]:
    """Sub-method names of a batch request (for the request log, even when it is refused)."""
    cmd = arg(params, "cmd")
    values = cmd.values() if isinstance(cmd, dict) else cmd if isinstance(cmd, list) else []
    return [str(c).partition("?")[0].strip().lower() for c in values]


def run_batch(
    rest: MethodRunner, ctx: CallContext, params: Any
) -> tuple[dict[str, Any], list[str]]:
    commands = _commands(params)
    halt = str(arg(params, "halt", 0)) not in ("0", "", "false", "False", "N")
    sections: dict[str, dict[str, Any]] = {
        k: {} for k in ("result", "result_error", "result_total", "result_next", "result_time")
    }
    start, began = rest.core.now(), time.perf_counter()
    methods: list[str] = []
    for key, command in commands.items():
        name, _, query = command.partition("?")
        name = name.strip().lower()
        methods.append(name)
        pairs = _substitute(parse_qsl(query, keep_blank_values=True), sections)
        # Sub-commands run with the OUTER request's auth data, connector included; a
        # sub-command's own `auth_connector` stays an ordinary, unused parameter.
        # core: classes/general/rest_provider.php (CRestProvider::methodsBatch: setAuthData of
        # the outer server), classes/general/rest.php (CRestServerBatchItem::checkAuth).
        sub_params = parse_pairs(pairs)
        try:
            body = _run_sub(rest, ctx, name, sub_params)
        except RestError as err:
            sections["result_error"][key] = err.body()
            if halt:
                break
            continue
        sections["result"][key] = body["result"]
        sections["result_time"][key] = body["time"]
        if "total" in body:
            sections["result_total"][key] = body["total"]
        if "next" in body:
            sections["result_next"][key] = body["next"]
    result: dict[str, Any] = {name: (value or []) for name, value in sections.items()}
    return {
        "result": result,
        "time": rest.time_block("batch", start, time.perf_counter() - began),
    }, methods


def _run_sub(
    rest: MethodRunner, ctx: CallContext, name: str, params: dict[str, Any]
) -> dict[str, Any]:
    if name == "batch":
        raise RestError(
            405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage"
        )
    fault = rest.faults.take_exact(name)
    if fault is not None:
        raise fault
    body: dict[str, Any] = rest.run_method(ctx, name, params, direct=False)
    return body
