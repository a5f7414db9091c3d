"""``/docs``: Swagger UI served by mamori itself (no CDN), allowed by the strict CSP:
the bundle comes from the ``fastapi-offline`` package, the start-up script from here."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

__all__ = ["install_docs"]

ASSETS = "/docs/assets"
_BUNDLE = Path(fastapi_offline.__file__).parent / "static"

_PAGE = f"""<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>mamori API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
"""

_START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""


def install_docs(app: FastAPI) -> None:
    """Serve the docs page, its start-up script and the Swagger UI files."""
    app.mount(ASSETS, StaticFiles(directory=_BUNDLE), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE)

    @app.get("/docs/start.js", include_in_schema=False)
    def start() -> Response:
        return Response(_START, media_type="text/javascript")
