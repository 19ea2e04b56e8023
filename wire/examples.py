"""One example per resource and request body, in wire spelling, for the OpenAPI document.
tests/api/test_openapi.py validates each against its model, so none can drift from it."""

from typing import Any, Unpack

from pydantic import ConfigDict

USER_ID = "0b8f6a4e-5d1c-4c3e-9a57-2f1e8d6c4b3a"
CATEGORY_ID = "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
ITEM_ID = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a"
ORDER_UUID = "9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4"
AT = "2026-11-30T08:15:00.000000Z"

CATEGORY = {
    "id": CATEGORY_ID,
    "localId": "cat-airway",
    "name": "Airway",
    "description": "Suction and tracheostomy supplies",
    "displayOrder": 1,
    "isDefault": False,
    "version": 3,
    "createdAt": AT,
    "updatedAt": AT,
}
ITEM = {
    "id": ITEM_ID,
    "categoryId": CATEGORY_ID,
    "localId": "item-suction-12fr",
    "name": "Suction catheter 12 Fr",
    "description": None,
    "quantity": 40,
    "unit": "pieces",
    "minimumStock": 30,
    "expiryDate": "2027-06-30",
    "brand": "Romsons",
    "notes": None,
    "supplierName": "City Medicals",
    "supplierContact": "+91 98765 43210",
    "purchaseLink": None,
    "imageUri": None,
    "isActive": True,
    "isCritical": True,
    "leadTimeDays": None,
    "version": 7,
    "createdAt": AT,
    "updatedAt": AT,
}
ORDER_LINE = {
    "id": "1d2c3b4a-5968-4776-8594-a3b2c1d0e9f8",
    "orderId": ORDER_UUID,
    "itemId": ITEM_ID,
    "name": "Suction catheter 12 Fr",
    "brand": "Romsons",
    "unit": "pieces",
    "quantity": 50,
    "currentStock": 12,
    "minimumStock": 30,
    "categoryName": "Airway",
    "supplierName": "City Medicals",
    "purchaseLink": None,
    "imageUri": None,
    "isEssential": True,
    "notes": None,
}
ORDER = {
    "id": ORDER_UUID,
    "orderId": "ORD-20261130-0001",
    "userId": USER_ID,
    "localId": None,
    "status": "ordered",
    "totalItems": 1,
    "totalUnits": 50,
    "items": [ORDER_LINE],
    "notes": "Deliver before Friday",
    "exportedAt": AT,
    "orderedAt": AT,
    "receivedAt": None,
    "appliedAt": None,
    "declinedAt": None,
    "version": 2,
    "createdAt": AT,
    "updatedAt": AT,
}
USER = {
    "id": USER_ID,
    "email": "asha@example.com",
    "pendingEmail": None,
    "username": None,
    "name": "Asha Rao",
    "phone": None,
    "isActive": True,
    "isVerified": True,
    "isEmailVerified": True,
    "createdAt": AT,
    "updatedAt": AT,
    "lastLogin": AT,
    "dailyDigest": True,
}
AUTH = {
    "access_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2ln",
    "refresh_token": "q3v7Yh0p…",
    "token_type": "bearer",
    "expires_in": 1800,
    "user": USER,
}
ACTIVITY = {
    "id": 1042,
    "action": "stock_update",
    "entityType": "item",
    "entityId": ITEM_ID,
    "itemName": "Suction catheter 12 Fr",
    "itemId": ITEM_ID,
    "orderId": None,
    "details": "Stock of 'Suction catheter 12 Fr' changed 52 -> 40 (-12): used",
    "timestamp": AT,
    "actor": {"userId": USER_ID, "name": "Ann"},
}
HISTORY = {
    "position": 8811,
    "type": "item.stock_changed",
    "version": 7,
    "occurredAt": AT,
    "actor": {"userId": USER_ID, "name": "Ann", "via": "api"},
    "change": {"from": 52, "to": 40, "delta": -12, "reason": "used"},
}
STATS = {
    "totalItems": 48,
    "totalCategories": 8,
    "outOfStockCount": 1,
    "lowStockCount": 5,
    "criticalItems": 12,
    "pendingOrdersCount": 1,
}
RESULT = {
    "operationId": "op-7f3a",
    "id": "op-7f3a",
    "status": "applied",
    "success": True,
    "entityId": ITEM_ID,
    "serverId": ITEM_ID,
    "serverVersion": 8,
    "error": None,
}
PUSHED = {
    "results": [RESULT],
    "successCount": 1,
    "errorCount": 0,
    "serverTime": AT,
    "cursor": "djE6ODgxMg",
}
PULLED = {
    "categories": [CATEGORY],
    "items": [ITEM],
    "orders": [ORDER],
    "deletedIds": [],
    "serverTime": AT,
    "hasMore": False,
    "nextCursor": "djE6ODgxMg",
    "events": [],
}
PLANNED = {
    "id": ITEM_ID,
    "name": "Suction catheter 12 Fr",
    "categoryId": CATEGORY_ID,
    "quantity": 40,
    "unit": "pieces",
    "minimumStock": 30,
    "isCritical": True,
    "leadTimeDays": None,
}
FORECAST_ENTRY = {
    "item": PLANNED,
    "dailyUsage": 6.43,
    "daysLeft": 6,
    "runOutOn": "2026-12-06",
    "reorderBy": "2026-12-03",
    "suggestedQuantity": 203,
    "status": "reorder_now",
}
FORECAST = {"items": [FORECAST_ENTRY], "generatedAt": AT}
EXPIRING_ITEM = {**PLANNED, "expiryDate": "2026-12-05"}
EXPIRING_ENTRY = {"item": EXPIRING_ITEM, "daysToExpiry": 5, "expired": False}
EXPIRING = {"items": [EXPIRING_ENTRY], "total": 1}
SUGGESTED = {"order": {**ORDER, "status": "pending", "orderedAt": None, "version": 1}}
DRIFT = {
    "itemId": ITEM_ID,
    "name": "Suction catheter 12 Fr",
    "expected": 40,
    "counted": 36,
    "difference": -4,
}
STOCKTAKE = {"adjusted": [DRIFT], "unchanged": 11}

# Request bodies
REGISTER = {"email": "asha@example.com", "password": "Oxygen-2026", "name": "Asha Rao"}
LOGIN = {"identifier": "asha@example.com", "password": "Oxygen-2026"}
CATEGORY_CREATE = {"name": "Airway", "description": "Suction supplies", "displayOrder": 1}
CATEGORY_UPDATE = {"name": "Airway and suction", "expectedVersion": 3}
ITEM_CREATE = {
    "categoryId": CATEGORY_ID,
    "name": "Suction catheter 12 Fr",
    "quantity": 40,
    "unit": "pieces",
    "minimumStock": 30,
    "isCritical": True,
}
ITEM_UPDATE = {"minimumStock": 35, "notes": "Use the soft ones at night", "expectedVersion": 7}
STOCK_CHANGE = {"delta": -2, "reason": "used", "expectedVersion": 7}
ORDER_CREATE = {"items": [{"itemId": ITEM_ID, "quantity": 50}], "notes": "Before Friday"}
STATUS_CHANGE = {"status": "received", "expectedVersion": 2}
OPERATION = {
    "id": "op-7f3a",
    "type": "adjust_stock",
    "entity": "item",
    "entityId": ITEM_ID,
    "data": {"delta": -2, "reason": "used"},
    "baseVersion": 7,
}
PUSH = {"mode": "ops", "operations": [OPERATION]}
PULL = {"cursor": "djE6ODgwMA", "limit": 500}
SUGGEST = {"withinDays": 14, "coverDays": 30}
COUNTED = {"itemId": ITEM_ID, "quantity": 36}
COUNT = {"counts": [COUNTED], "note": "Monthly shelf count"}


NURSE_ID = "7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
PERSON = {"userId": USER_ID, "name": "Ann"}
MEMBER = {
    "userId": USER_ID,
    "name": "Ann",
    "email": "ann@example.com",
    "role": "owner",
    "joinedAt": AT,
}
HOUSEHOLD_SUMMARY = {
    "id": USER_ID,
    "name": "Ann's household",
    "role": "owner",
    "memberCount": 2,
    "isDefault": True,
    "isCurrent": True,
}
INVITATION = {
    "id": "5f4e3d2c-1b0a-4988-8776-655443322110",
    "email": "nurse@example.com",
    "role": "caregiver",
    "invitedBy": PERSON,
    "expiresAt": AT,
}
HOUSEHOLD = {
    "id": USER_ID,
    "name": "Ann's household",
    "timeZone": "Europe/Berlin",
    "leadTimeDays": 3,
    "coverDays": 30,
    "role": "owner",
    "members": [
        MEMBER,
        {
            "userId": NURSE_ID,
            "name": "Sam",
            "email": "sam@example.com",
            "role": "caregiver",
            "joinedAt": AT,
        },
    ],
    "invitations": [INVITATION],
    "version": 4,
    "createdAt": AT,
}
HOUSEHOLDS = {"households": [HOUSEHOLD_SUMMARY]}
HOUSEHOLD_PATCH = {"name": "Home", "timeZone": "Europe/Berlin", "leadTimeDays": 5, "coverDays": 14}
INVITE = {"email": "nurse@example.com", "role": "caregiver"}
ROLE_CHANGE = {"role": "viewer"}
DEFAULT_HOUSEHOLD = {"householdId": USER_ID}
JOIN = {"token": "Q2hvb3NlIGEgbG9uZyByYW5kb20gdG9rZW4"}


def example(body: dict[str, Any], **config: Unpack[ConfigDict]) -> ConfigDict:
    """A model_config that puts `body` in the model's schema (with any other settings)."""
    return ConfigDict(json_schema_extra={"examples": [body]}, **config)
