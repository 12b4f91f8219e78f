"""Bitrix24 event handlers: gather facts, call rules, return effects."""

from handlers import comments, tasks
from handlers.routing import Router

router = Router(tasks.router, comments.router)
