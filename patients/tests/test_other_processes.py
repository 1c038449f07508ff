"""A change made by another process (a management command, a Celery worker, a second server) reaches this process's
readers at once, on the embedded defaults too: no Redis, each process its own memory cache and channel layer."""

import os
import subprocess
import sys

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection

from patients.selectors import current_visit_status, latest_queue_snapshot
from smartqueue.tests.live_server import database_url

from .factories import register_patient
from .live_helpers import next_frame, open_socket  # noqa: F401  (open_socket is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

REGISTER_IN_ANOTHER_PROCESS = """
import django
django.setup()
from patients.models import Department
from patients.tests.factories import register_patient
department = Department.objects.get(pk={department_id})
register_patient(department=department, name="Bea Other", phone="+16285550299", age=40, gender="female")
"""


def register_in_another_process(department):
    """Register a walk-in as a management command would: another Python process on the same database."""
    # This process's environment (its Redis, if any, and namespace), on the test database.
    environment = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict)}
    subprocess.run(
        [sys.executable, "-c", REGISTER_IN_ANOTHER_PROCESS.format(department_id=department.pk)],
        cwd=settings.BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "smartqueue.settings"},
        check=True,
        timeout=60,
    )


def test_a_registration_made_by_another_process_is_in_this_process_queue_and_statuses_at_once(department):
    first, _ = register_patient(
        department=department, name="Ann First", phone="+16285550201", age=30, gender="female"
    )
    assert latest_queue_snapshot(department_id=department.pk)["queue_length"] == 1  # Kept by this process.

    register_in_another_process(department)

    queue = latest_queue_snapshot(department_id=department.pk)
    assert queue["queue_length"] == 2
    assert [place["position"] for place in queue["waiting"]] == [1, 2]
    assert current_visit_status(entry=first)["now_serving"] == []


async def test_a_patient_socket_snapshot_holds_a_change_made_by_another_process(department, open_socket):
    first, _ = await database_sync_to_async(register_patient)(
        department=department, name="Ann First", phone="+16285550201", age=30, gender="female"
    )
    board, _, _ = await open_socket(f"/ws/queue/{department.pk}/")
    before = await next_frame(board)
    assert before["payload"]["queue"]["queue_length"] == 1

    await database_sync_to_async(register_in_another_process)(department)

    await board.send_json_to({"type": "snapshot"})
    after = await next_frame(board)
    assert after["payload"]["queue"]["queue_length"] == 2
    assert after["seq"] > before["seq"]  # A newer state: the board draws it rather than drop it as already seen.
    patient, _, _ = await open_socket(f"/ws/patient/{first.public_id}/")
    snapshot = await next_frame(patient)
    assert snapshot["payload"]["sequences"] == {str(department.pk): after["seq"]}
