"""What routes receive through FastAPI dependencies instead of calling globals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from config.settings import Settings, get_settings

# The process's settings, checked at start-up (config/settings.py); tests may override
# `get_settings` in `app.dependency_overrides`.
SettingsDep = Annotated[Settings, Depends(get_settings)]
