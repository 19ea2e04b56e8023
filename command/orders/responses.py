"""Responses of order commands, built from the saved aggregate."""

from dataclasses import asdict

from events.order import Order
from wire.base import MessageOut
from wire.orders import OrderItemOut, OrderOut


def order_out(order: Order) -> OrderOut:
    return OrderOut(
        id=order.id,
        order_id=order.order_number,
        user_id=order.owner_id,
        local_id=order.local_id,
        status=order.status,
        total_items=len(order.lines),
        total_units=sum(line.quantity for line in order.lines),
        items=[OrderItemOut(order_id=order.id, **asdict(line)) for line in order.lines],
        notes=order.notes,
        exported_at=order.created_on,
        ordered_at=order.ordered_at,
        received_at=order.received_at,
        applied_at=order.applied_at,
        declined_at=order.declined_at,
        version=order.version,
        created_at=order.created_on,
        updated_at=order.modified_on,
    )


def deleted_message(order: Order) -> MessageOut:
    return MessageOut(message=f"Order '{order.order_number}' deleted")
