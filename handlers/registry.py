"""Every event handler, composed into the one router the worker dispatches through."""

from handlers import comments, tasks
from handlers.routing import Router

router = Router(tasks.router, comments.router)
