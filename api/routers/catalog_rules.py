"""The process admin's order rules (decomposition/rules.py), in their draft catalog version:

GET /ops/v1/catalog/rules          the draft's rules, else the latest version's
PUT /ops/v1/catalog/draft/rules    replace the draft's rules (each checked for shape here; the
                                   whole catalog, conditions included, when it is published)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import TypeAdapter, ValidationError

from api.errors import TmfError, describe_validation_errors
from api.identity import Caller, requires
from api.permissions import Permission
from api.routers.catalog_admin import _json_object, _start
from decomposition.rules import OrderRule
from store import catalog_admin
from store.catalog_admin import AuditEntry, Draft
from store.catalogs import catalog_repository

MANAGER = requires(Permission.CATALOG_MANAGE)
router = APIRouter(prefix="/ops/v1/catalog", tags=["catalog management"], dependencies=[MANAGER])
_RULES = TypeAdapter(list[OrderRule])


@router.get("/rules", summary="The order rules: your draft's if you have one, else the latest's")
def get_rules(caller: Caller = MANAGER) -> dict[str, Any]:
    draft = catalog_admin.get_draft(caller.subject)
    if draft is not None:
        return {"source": "draft", "rules": draft.document.get("rules", [])}
    latest = catalog_repository().latest
    return {
        "source": latest.version,
        "rules": [
            r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in latest.rules
        ],
    }


@router.put("/draft/rules", summary="Replace the draft's order rules (published with the draft)")
async def put_rules(request: Request, caller: Caller = MANAGER) -> dict[str, Any]:
    body = await _json_object(request)
    try:
        rules = _RULES.validate_python(body.get("rules"))
    except ValidationError as err:
        raise TmfError(422, "InvalidRule", describe_validation_errors(err.errors())) from None
    listed = [r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in rules]

    def change(draft: Draft) -> AuditEntry:
        draft.document["rules"] = listed
        return AuditEntry(caller.subject, "update", "orderRules", "draft", {"rules": listed})

    catalog_admin.change_draft(caller.subject, _start, change)
    return {"source": "draft", "rules": listed}
