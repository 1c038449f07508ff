"""Celery tasks of the queue core: thin wrappers over its services."""

from celery import shared_task

from . import appointments, broadcasts, services


@shared_task
def mark_appointment_no_shows():
    """Celery beat: bookings past their grace window without a check-in become no-shows, their seats released."""
    return appointments.mark_no_shows()


@shared_task
def review_wait_alerts():
    """Celery beat: raise or clear long-wait alerts as waits grow between queue changes."""
    return [alert.pk for alert in services.review_wait_alerts()]


@shared_task
def publish_doctors_gone_by_the_clock():
    """Celery beat: departments whose doctors have all gone by the clock alone tell their screens and patients."""
    return broadcasts.publish_doctors_gone_by_the_clock()


@shared_task
def close_days_over():
    """Celery beat, after the hospital's midnight and in the morning: clear the long-wait alerts of days that are over,
    close the consultations left open."""
    services.close_days_over()
