"""Responses of item commands, built from the saved aggregate."""

from events.item import Item
from wire.base import MessageOut
from wire.items import ItemOut


def item_out(item: Item) -> ItemOut:
    return ItemOut(
        id=item.id,
        category_id=item.category_id,
        local_id=item.local_id,
        quantity=item.quantity,
        version=item.version,
        created_at=item.created_on,
        updated_at=item.modified_on,
        **vars(item.details),
    )


def deleted_message(item: Item) -> MessageOut:
    return MessageOut(message=f"Item '{item.name}' deleted")
