from celery import shared_task

from . import services


@shared_task
def review_wait_alerts():
    """Celery beat: raise or clear long-wait alerts as waits grow between queue changes."""
    return [alert.pk for alert in services.review_wait_alerts()]
