"""Every REST method family, composed into the one table the portal serves."""

from b24sandbox.methods import app, comments, elapsed, events, im, tasks, users
from b24sandbox.methods.table import MethodTable

ALL_METHODS = MethodTable.of(
    app.methods,
    comments.methods,
    elapsed.methods,
    events.methods,
    im.methods,
    tasks.methods,
    users.methods,
)
