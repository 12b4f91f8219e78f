"""The app's pages inside Bitrix24: dashboard (DEFAULT), task tab (TASK_VIEW_TAB), settings.

A page is opened by the portal's iframe POST (verified in pages.auth); every later request
carries the signed session token `s` in its query string or form, never a cookie.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from b24app.pages import labels
from b24app.pages.auth import (
    Viewer,
    issue_session,
    load_session,
    read_frame_post,
    verify_frame_post,
)
from b24app.pages.dashboard import build_dashboard
from b24app.pages.refusals import PageAuthError
from b24app.pages.settings_page import (
    group_search_response,
    settings_response,
    user_search_response,
)
from b24app.pages.taskpage import build_task_page
from b24app.reporting.billing import build_month_report
from b24app.reporting.files import FILE_FORMATS, report_file
from b24app.reporting.months import parse_month
from b24app.reporting.render import hours, rubles_ru, summary_row
from b24app.services import Services
from b24app.storage.portals import Portal
from rules.regulation import ClientCompany

log = logging.getLogger(__name__)

FRAME_KEYS = ("DOMAIN", "PROTOCOL", "LANG", "APP_SID")  # BX24.js reads these from the URL

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/b24/static",
)


bp.add_app_template_filter(labels.literals, "literals")


def _services() -> Services:
    return current_app.extensions["b24app"]  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class PageContext:
    """The verified viewer of this request and how the page's own links carry the session."""

    portal: Portal
    viewer: Viewer
    token: str
    company: ClientCompany | None
    frame: dict[str, str] = field(default_factory=dict)

    def url(self, endpoint: str, **values: Any) -> str:
        params: dict[str, Any] = {"s": self.token, **self.frame, **values}
        return url_for(endpoint, **params)

    @property
    def portal_base(self) -> str:
        scheme = "http" if self.portal.client_endpoint.startswith("http://") else "https"
        return f"{scheme}://{self.portal.domain}"


def _context() -> PageContext:
    """From the iframe POST (verified with the portal) or from the session token `s`."""
    svc = _services()
    if request.method == "POST" and request.form.get("AUTH_ID"):
        post = read_frame_post(request.form, request.args)
        g.frame_portal = svc.portals.get(post.member_id) if post.member_id else None
        portal, viewer = verify_frame_post(svc, post)
        token = issue_session(svc, portal, viewer)
        log.info("page %s opened by user %s on %s", post.placement, viewer.user_id, portal.domain)
    else:
        token = request.values.get("s", "")
        portal, viewer = load_session(svc, token)
    g.frame_portal = portal
    company = viewer.company(svc.config)
    if viewer.is_client(svc.config) and company is None:
        raise PageAuthError("Ваша компания не найдена в настройках приложения.", portal=portal)
    frame = {k: request.args[k] for k in FRAME_KEYS if request.args.get(k)}
    return PageContext(portal, viewer, token, company, frame)


def _render(template: str, ctx: PageContext, status: int = 200, **values: Any) -> Response:
    body = render_template(template, ctx=ctx, labels=labels, **values)
    return Response(body, status=status, mimetype="text/html")


# -- pages -----------------------------------------------------------------------------------
@bp.route("/b24/app", methods=["GET", "POST"])
def dashboard() -> Response:
    """DEFAULT placement: the integrators' dashboard, or a client's own tasks.

    BX24.openApplication({"page": "settings"}) opens the app with those PLACEMENT_OPTIONS
    (docs: sdk/bx24-js-sdk/additional-functions/bx24-open-application.md): the settings page.
    """
    ctx = _context()
    if request.method == "POST" and _frame_options().get("page") == "settings":
        return redirect(ctx.url("pages.settings_page"), 303)  # type: ignore[return-value]
    svc = _services()
    month = _month(request.args.get("month", ""))
    company = ctx.company.name if ctx.company else None
    mine = ctx.viewer.user_id if request.args.get("mine") and company is None else None
    board = build_dashboard(svc, ctx.portal.member_id, company, month, mine)
    summaries = [summary_row(c) for c in board.report.clients] if board.report else []
    template = "page_client.html" if company else "page_dashboard.html"
    return _render(
        template,
        ctx,
        board=board,
        summaries=summaries,
        hours=hours,
        rubles=rubles_ru,
    )


def _frame_options() -> dict[str, Any]:
    return dict(read_frame_post(request.form, request.args).options)


def _month(text: str) -> tuple[int, int] | None:
    try:
        return parse_month(text) if text else None
    except ValueError:
        return None


@bp.route("/b24/placement/task", methods=["GET", "POST"])
def task_tab() -> Response:
    """TASK_VIEW_TAB: PLACEMENT_OPTIONS {"taskId": "4512"}."""
    ctx = _context()
    post = read_frame_post(request.form, request.args)
    raw = post.options.get("taskId") or post.options.get("TASK_ID") or request.args.get("task")
    if not str(raw or "").isdigit():
        return _render("page_message.html", ctx, 400, message="Не указана задача.")
    return _task(ctx, int(str(raw)))


@bp.get("/b24/app/task/<int:task_id>")
def task_page(task_id: int) -> Response:
    return _task(_context(), task_id)


def _task(ctx: PageContext, task_id: int) -> Response:
    page = build_task_page(_services(), ctx.portal.member_id, task_id)
    if page is not None and ctx.company is not None and page.record.client != ctx.company.name:
        return _render("page_message.html", ctx, 403, message="Эта задача не вашей компании.")
    if page is None:  # an internal task (not set by a client): one quiet line
        return _render("page_internal.html", ctx, task_id=task_id)
    template = "page_task_client.html" if ctx.company is not None else "page_task.html"
    return _render(template, ctx, page=page)


@bp.get("/b24/app/report/<month>.<fmt>")
def report_download(month: str, fmt: str) -> Response:
    """The month's billing report as CSV/XLSX (a client gets its own company only)."""
    ctx = _context()
    if fmt not in FILE_FORMATS:
        return _render("page_message.html", ctx, 404, message="Формат отчёта: csv или xlsx.")
    year_month = _month(month)
    if year_month is None:
        return _render("page_message.html", ctx, 400, message="Не указан месяц отчёта.")
    svc = _services()
    company = ctx.company.name if ctx.company else None
    report = build_month_report(
        svc.db, svc.config, ctx.portal.member_id, *year_month, svc.tz, client=company
    )
    file = report_file(report, fmt, company)
    headers = {"Content-Disposition": file.content_disposition}
    return Response(file.body, mimetype=file.mimetype, headers=headers)


@bp.route("/b24/app/settings", methods=["GET", "POST"])
def settings_page() -> Response:
    """Portal admins only: the regulation config the CLI reads, validated, saved and applied."""
    ctx = _context()
    if not ctx.viewer.is_admin or ctx.company is not None:
        return _render(
            "page_message.html", ctx, 403, message="Настройки доступны только администраторам."
        )
    saving = request.method == "POST" and not request.form.get("AUTH_ID")
    form = request.form if saving else None
    status, values = settings_response(_services(), ctx.portal.member_id, ctx.viewer, form)
    return _render("page_settings.html", ctx, status, **values)


# the pickers show an answer's `error` to whoever typed: Russian, like the page
_FORBIDDEN = json.dumps({"error": "Поиск доступен только администраторам."}, ensure_ascii=False)


@bp.get("/b24/app/users")
def user_search() -> Response:
    """The settings page's people picker: portal users whose name starts with `q` (admins)."""
    return _picker_answer(user_search_response)


@bp.get("/b24/app/groups")
def group_search() -> Response:
    """The settings page's workgroup picker: workgroups whose name contains `q` (admins)."""
    return _picker_answer(group_search_response)


def _picker_answer(respond: Callable[[Services, str, str], tuple[int, str]]) -> Response:
    """A settings picker's JSON answer, for a portal admin (not in a client's view) only."""
    ctx = _context()
    if not ctx.viewer.is_admin or ctx.company is not None:
        return Response(_FORBIDDEN, status=403, mimetype="application/json")
    status, body = respond(_services(), ctx.portal.member_id, request.args.get("q", ""))
    return Response(body, status=status, mimetype="application/json")


# -- errors and headers ----------------------------------------------------------------------
_HTTP_TEXT = {
    404: "Такой страницы в приложении нет.",
    405: "Эта страница так не открывается: откройте приложение из меню Битрикс24.",
    400: "Запрос к приложению неполный: откройте приложение из меню Битрикс24.",
}


@bp.errorhandler(PageAuthError)
def _refused(exc: PageAuthError) -> Response:
    if exc.portal is not None:
        g.frame_portal = exc.portal
    body = render_template(
        "page_message.html",
        ctx=None,
        labels=labels,
        message=str(exc),
        kind=exc.kind,
        reload=exc.reloadable,
        portal_url=_portal_url(exc.portal),
    )
    return Response(body, status=exc.status, mimetype="text/html")


def _portal_url(portal: Portal | None) -> str:
    """The portal's own address, where the app is opened again with a fresh authorisation."""
    if portal is None:
        return ""
    scheme = "http" if portal.client_endpoint.startswith("http://") else "https"
    return f"{scheme}://{portal.domain}/"


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    body = render_template(
        "page_message.html",
        ctx=None,
        labels=labels,
        message=_HTTP_TEXT.get(exc.code or 500, "")
        or "Страница не открылась: ошибка на стороне приложения. Попробуйте ещё раз.",
    )
    return Response(body, status=exc.code or 500, mimetype="text/html")


@bp.after_request
def _page_headers(response: Response) -> Response:
    """Framable by the portal only (CSP frame-ancestors instead of X-Frame-Options)."""
    portal: Portal | None = g.get("frame_portal")
    ancestors = "'none'"
    if portal is not None:
        ancestors = f"https://{portal.domain}"
        if portal.client_endpoint.startswith("http://"):  # the sandbox and local portals
            ancestors += f" http://{portal.domain}"
    response.headers["Content-Security-Policy"] = (
        f"frame-ancestors {ancestors}; default-src 'self'; script-src 'self' api.bitrix24.com; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the session token is in the URL
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
