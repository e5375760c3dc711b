"""The API with the event hub's routers, for the tests, whether or not api/app.py mounts them."""

from __future__ import annotations

from api.app import create_app
from api.routers import deliveries, hub, order_history

app = create_app()
_mounted = {getattr(route, "path", None) for route in app.routes}
for _router in (hub.router, deliveries.router, order_history.router):
    if not {getattr(route, "path", None) for route in _router.routes} <= _mounted:
        app.include_router(_router)
