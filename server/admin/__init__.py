"""The web admin page at /_admin: server-rendered HTML over the engine.

Every view calls the engine through `Engine.call`, the API's own entry
point, so what the page shows and the errors it reports are DynamoDB's.
routes.py is the route table and the request plumbing (guard.py: Host and
CSRF rules); one module per family of views (tables, items, streams,
functions, queues, graphs), one template per view (templates/, Jinja2 with
autoescaping: item values are user data). Off under --auth unless --admin
(server/cli.py). docs/admin.md tells what each page does.
"""
from .routes import admin_routes

__all__ = ["admin_routes"]
