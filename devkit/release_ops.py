"""The operations the release app (vitaltrack-mobile at bbb997c) pushes for its whole local
state at logout (sync.ts:104-197): `create` operations with fresh ids, field for field as the
phone spells them. tests/api/released_app.py replays the app's life cycle with them, and
bench/sync.py times a push of them."""

import itertools
import uuid
from typing import Any, cast

_serial = itertools.count()


def op_id() -> str:
    return f"op_{next(_serial)}_{uuid.uuid4().hex[:9]}"  # generateOperationId, sync.ts:95


def _local(entity: dict[str, Any]) -> str:
    return cast(str, entity.get("localId") or entity["id"])


def category_op(cat: dict[str, Any]) -> dict[str, Any]:
    data = {
        "name": cat["name"],
        "icon": "📦",
        "color": "#808080",
        "description": cat.get("description") or None,
        "displayOrder": cat.get("displayOrder", 0),
        "isDefault": cat.get("isDefault", False),
        "isActive": True,
    }
    return _op("category", cat, data)


def item_op(item: dict[str, Any]) -> dict[str, Any]:
    keys = ("description", "expiryDate", "brand", "notes", "supplierName", "supplierContact")
    data = {
        "categoryId": item["categoryId"],
        "name": item["name"],
        "quantity": item["quantity"],
        "unit": item.get("unit") or "pieces",
        "minimumStock": item.get("minimumStock", 0),
        **{k: item.get(k) or None for k in (*keys, "purchaseLink", "imageUri")},
        "isActive": item.get("isActive") is not False,
        "isCritical": item.get("isCritical") is True,
    }
    return _op("item", item, data)


def order_op(order: dict[str, Any]) -> dict[str, Any]:
    lines = [
        {
            "id": line.get("id"),
            "orderId": line.get("orderId"),
            "itemId": line["itemId"],
            "name": line["name"],
            "brand": line.get("brand") or None,
            "unit": line["unit"],
            "quantity": line["quantity"],
            "currentStock": line.get("currentStock"),
            "minimumStock": line.get("minimumStock"),
            "isEssential": line.get("isEssential") or False,
        }
        for line in order["items"]
    ]
    data = {
        "orderId": order["orderId"],
        "totalItems": len(lines),
        "totalUnits": sum(line["quantity"] for line in lines),
        "status": order["status"],
        "exportedAt": order.get("exportedAt"),
        **{f"{t}At": order.get(f"{t}At") for t in ("ordered", "received", "applied", "declined")},
        "items": lines,
    }
    return _op("order", order, data)


def _op(entity: str, thing: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": op_id(),
        "type": "create",
        "entity": entity,
        "entityId": thing["id"],
        "localId": _local(thing),
        "data": data,
        "timestamp": "2026-12-01T09:00:00.000Z",
    }
