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
def test_registration_sends_two_messages_and_a_call_three_whatever_the_line(
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

    # The token just registered has no socket to tell: only its department and its doctors hear of it.
    assert [group for group, _ in registration] == [department_group(department.pk), staff_group(department.pk)]
    assert [group for group, _ in layer.sent] == [
        visit_group(called.public_id),
        department_group(department.pk),
        staff_group(department.pk),
    ]
    own = layer.sent[0][1]
    assert own["type"] == "patient.status" and own["payload"]["visit"]["token"] == called.token
    assert own["seq"] == layer.sent[1][1]["seq"]
    for change, entry in [(registration, newcomer), (layer.sent[1:], called)]:
        public, staff = (message for _, message in change)
        assert public["seq"] == staff["seq"]
        assert len(public["payload"]["queue"]["waiting"]) >= waiting
        assert public["payload"]["entry"]["token"] == entry.token
        assert "patient" not in public["payload"]["entry"] and staff["payload"]["entry"]["patient"]["name"]
    assert registration[0][1]["payload"]["queue"]["waiting"][-1]["token"] == newcomer.token
