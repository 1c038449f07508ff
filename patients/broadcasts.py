"""Publishing committed queue changes to the real-time groups."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def department_group(department_id):
    return f"queue_{department_id}"


def publish_department_change(*, event, department_id, payload=None):
    """Tell the department's subscribers that its queue changed; never fails the caller."""
    try:
        async_to_sync(get_channel_layer().group_send)(
            department_group(department_id),
            {"type": "queue.changed", "event": event, "department_id": department_id, "payload": payload or {}},
        )
    except Exception:
        # The change is committed; a missed broadcast is recovered by the clients' snapshot re-read.
        logger.exception("Could not broadcast %s for department %s", event, department_id)


def publish_queue_change(*, event, entry_id, department_id):
    publish_department_change(event=event, department_id=department_id, payload={"entry_id": entry_id})
