"""The workspace: its static pages at /workspace, and the sign-in settings they read.

The pages are plain HTML, CSS and ES modules in the repository's `workspace/` folder (no build
step, nothing fetched at run time); they are clients of the API like any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from config.settings import get_settings

router = APIRouter(prefix="/ops/v1/workspace", tags=["workspace"])


@router.get("/config", summary="How the workspace signs in, and where the Temporal UI is")
def workspace_config() -> dict[str, Any]:
    settings = get_settings()
    issuer = settings.workspace_oidc_issuer.rstrip("/")
    return {
        # "oidc": authorization code with PKCE at the issuer; "local": the persona page.
        "signIn": "oidc" if issuer else "local",
        "oidcIssuer": issuer or None,
        "oidcClientId": settings.workspace_oidc_client_id if issuer else None,
        "temporalUiUrl": settings.temporal_ui_url.rstrip("/"),
        "temporalNamespace": settings.temporal_namespace,
    }


def mount_workspace(app: FastAPI) -> None:
    folder = Path(get_settings().workspace_dir)
    # check_dir=False: an API run from elsewhere still starts; the pages then answer 404.
    app.mount("/workspace", StaticFiles(directory=folder, html=True, check_dir=False))
