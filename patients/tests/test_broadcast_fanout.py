"""A queue change costs the same few channel-layer messages however many patients are waiting."""

import json

import pytest

from patients import services
from patients.broadcasts import department_group, staff_group, visit_group
from patients.tests.factories import register_patient

pytestmark = pytest.mark.django_db(transaction=True)


class RecordingLayer:
    def __init__(self):
        self.sent = []

    async def group_send(self, group, message):
        self.sent.append((group, json.loads(message["text"])))


@pytest.mark.parametrize("waiting", [2, 30])
def test_registration_and_call_each_send_three_messages_whatever_the_line(
    waiting, department, make_doctor, make_token, monkeypatch
):
    doctors = [make_doctor(department=department) for _ in range(3)]
    for _ in range(waiting):
        make_token(department=department)
    layer = RecordingLayer()
    monkeypatch.setattr("patients.broadcasts.get_channel_layer", lambda: layer)

    newcomer, _ = register_patient(
        department=department, name="New Comer", phone="+15550009999", age=30, gender="male"
    )
    registration = layer.sent
    layer.sent = []
    called = services.call_next(doctor=doctors[0])

    for change, entry in [(registration, newcomer), (layer.sent, called)]:
        assert [group for group, _ in change] == [
            visit_group(entry.public_id),
            department_group(department.pk),
            staff_group(department.pk),
        ]
        own, public, staff = (message for _, message in change)
        assert own["type"] == "patient.status" and own["payload"]["visit"]["token"] == entry.token
        assert own["seq"] == public["seq"] == staff["seq"]
        assert len(public["payload"]["queue"]["waiting"]) >= waiting
        assert "patient" not in public["payload"]["entry"] and staff["payload"]["entry"]["patient"]["name"]
    assert registration[0][1]["payload"]["visit"]["position"] == waiting + 1
