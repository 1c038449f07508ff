"""Patient messages (SMS/WhatsApp) for queue events; sending happens in Celery tasks after commit."""


def notify_queue_change(*, event, entry_id):
    """Enqueue the messages a queue event warrants (registration, patients ahead, your turn, ...)."""


def notify_broadcast(*, message, department_id=None):
    """Enqueue an admin broadcast to every waiting patient of one department, or of all when None."""
