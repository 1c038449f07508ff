"""Transactional outbox: Celery tasks recorded in the transaction that decided them, sent after commit.

A queue change and the messages it warrants commit together or not at all. Handing the task to the
broker happens after commit; if the broker is down (or the process dies first) the row stays
undispatched and `redispatch_undispatched` sends it later, from Celery beat or from this process's
next successful dispatch. A row can thus be dispatched twice (e.g. killed between the broker call and
marking it); every notification task is idempotent, so that sends nothing twice.
"""

import logging
from datetime import timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

REDISPATCH_BATCH_SIZE = 500
LAST_ERROR_MAX_LENGTH = 1000

# Set when this process failed to reach the broker: its next successful dispatch also sends the backlog.
_broker_failed_recently = False


def enqueue_after_commit(calls):
    """Record (task name, kwargs) pairs in the current transaction, and dispatch them once it commits."""
    if not calls:
        return []
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(task_name=task_name, kwargs=kwargs) for task_name, kwargs in calls
    )
    transaction.on_commit(partial(dispatch, messages))
    return messages


def dispatch(messages):
    """Hand outbox rows to the broker, marking those it took; returns how many it took.

    A broker failure is logged, never raised: the queue change already committed and its rows wait.
    """
    global _broker_failed_recently
    taken, refused = [], []
    for message in messages:
        try:
            current_app.tasks[message.task_name].apply_async(kwargs=message.kwargs)
        except Exception as error:
            logger.warning("Could not dispatch outbox message %s (%s): %s", message.pk, message.task_name, error)
            refused.append((message, error))
        else:
            taken.append(message.pk)
    if taken:
        _mark_dispatched(taken)
    for message, error in refused:
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, last_error=str(error)[:LAST_ERROR_MAX_LENGTH] or type(error).__name__
        )
    if refused:
        _broker_failed_recently = True
    elif taken and _broker_failed_recently:
        _broker_failed_recently = False
        redispatch_undispatched(include_recent=False)
    return len(taken)


def _mark_dispatched(message_ids):
    # Raw: every queue change with a message runs it after commit, and the ORM's update() spends three times as
    # long building the statement as the database spends running it (docs/performance.md).
    quote = connection.ops.quote_name
    table = quote(OutboxMessage._meta.db_table)
    dispatched_at, attempts, key = (
        quote(OutboxMessage._meta.get_field(name).column) for name in ("dispatched_at", "attempts", "id")
    )
    placeholders = ", ".join(["%s"] * len(message_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {dispatched_at} = %s, {attempts} = {attempts} + 1 WHERE {key} IN ({placeholders})",
            [connection.ops.adapt_datetimefield_value(timezone.now()), *message_ids],
        )


def redispatch_undispatched(*, include_recent=True):
    """Dispatch rows that a broker outage or a crash left behind; returns how many the broker took.

    Rows that already failed once are taken at once. Rows never tried are only taken after
    OUTBOX_REDISPATCH_AFTER_SECONDS (when include_recent), since their own after-commit dispatch
    is most likely still under way.
    """
    failed_before = Q(attempts__gt=0)
    if include_recent:
        cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS)
        failed_before |= Q(created_at__lte=cutoff)
    waiting = OutboxMessage.objects.filter(failed_before, dispatched_at__isnull=True)
    return dispatch(list(waiting[:REDISPATCH_BATCH_SIZE]))


def prune_dispatched():
    """Delete rows dispatched more than OUTBOX_KEEP_DAYS ago; returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _ = OutboxMessage.objects.filter(dispatched_at__lt=cutoff).delete()
    return deleted
