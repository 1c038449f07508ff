"""Every socket frame has the shape its serializer declares (patients.serializers), field for field."""

import json

import pytest
from channels.testing import WebsocketCommunicator
from rest_framework import serializers

from doctors import services as doctor_services
from patients import services
from patients.serializers import (
    ErrorPayloadSerializer,
    FrameSerializer,
    PatientFramePayloadSerializer,
    PatientSnapshotPayloadSerializer,
    QueueFramePayloadSerializer,
    QueueSnapshotPayloadSerializer,
    StaffFramePayloadSerializer,
)
from smartqueue.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def problems(declared, data, where="frame"):
    """How data differs from the declared field or serializer: missing, extra, or mistyped values."""
    if isinstance(declared, serializers.SerializerMethodField):
        return []  # Typed in the schema by extend_schema_field; computed, so any JSON value passes here.
    if data is None:
        return [] if declared.allow_null else [f"{where} is null"]
    if isinstance(declared, serializers.ListSerializer):
        return [p for index, item in enumerate(data) for p in problems(declared.child, item, f"{where}[{index}]")]
    if isinstance(declared, serializers.Serializer):
        if not isinstance(data, dict):
            return [f"{where} is not an object"]
        fields = declared.fields
        found = [f"{where}.{key} is not declared" for key in data if key not in fields]
        found += [f"{where}.{name} is missing" for name, field in fields.items() if field.required and name not in data]
        return found + [
            p for key, value in data.items() if key in fields for p in problems(fields[key], value, f"{where}.{key}")
        ]
    expected = {
        serializers.IntegerField: int,
        serializers.FloatField: (int, float),
        serializers.BooleanField: bool,
        serializers.DictField: dict,
        serializers.ListField: list,
    }
    for field_type, python_type in expected.items():
        if isinstance(declared, field_type):
            return [] if isinstance(data, python_type) else [f"{where} should be {python_type}, is {data!r}"]
    return [] if isinstance(data, str) else [f"{where} should be text, is {data!r}"]


PAYLOADS = {
    ("queue", "snapshot"): QueueSnapshotPayloadSerializer,
    ("queue", "queue.changed"): QueueFramePayloadSerializer,
    ("queue", "department.changed"): QueueFramePayloadSerializer,
    ("staff", "queue.changed"): StaffFramePayloadSerializer,
    ("staff", "department.changed"): StaffFramePayloadSerializer,
    ("patient", "patient.status"): PatientFramePayloadSerializer,
    ("patient", "snapshot"): PatientSnapshotPayloadSerializer,
    ("any", "error"): ErrorPayloadSerializer,
}


def assert_declared(audience, frame):
    assert problems(FrameSerializer(), frame) == []
    assert problems(PAYLOADS[(audience, frame["type"])](), frame["payload"], frame["type"]) == []


class RecordingLayer:
    def __init__(self):
        self.sent = []

    async def group_send(self, group, message):
        self.sent.append((group, json.loads(message["text"])))


def audience_of(group):
    return {"queue": "queue", "staff": "staff", "visit": "patient"}[group.split("_")[0]]


def test_every_published_frame_matches_its_declaration(department, make_doctor, make_token, monkeypatch):
    layer = RecordingLayer()
    monkeypatch.setattr("patients.broadcasts.get_channel_layer", lambda: layer)
    doctor = make_doctor(department=department, room="Room 2A")
    make_token(department, priority="emergency")
    entry = services.call_next(doctor=doctor)
    services.start_consultation(entry=entry)
    doctor_services.set_availability(doctor=doctor, availability="busy", actor=None)

    kinds = set()
    for group, frame in layer.sent:
        assert_declared(audience_of(group), frame)
        kinds.add((audience_of(group), frame["type"]))
    assert kinds == {
        ("patient", "patient.status"),
        ("queue", "queue.changed"),
        ("staff", "queue.changed"),
        ("queue", "department.changed"),
        ("staff", "department.changed"),
    }


def test_the_checker_notices_a_field_that_drifted():
    drifted = {"type": "snapshot", "version": 1, "department": 1, "seq": None, "payload": {}, "extra": True}
    assert problems(FrameSerializer(), drifted) == ["frame.extra is not declared"]


async def socket_frames(path, *messages):
    socket = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://testserver")])
    connected, _ = await socket.connect()
    assert connected
    frames = [await socket.receive_json_from(timeout=5)]
    for message in messages:
        await socket.send_to(text_data=message)
        frames.append(await socket.receive_json_from(timeout=5))
    await socket.disconnect()
    return frames


async def test_snapshot_and_error_frames_match_their_declarations(department, make_token):
    from channels.db import database_sync_to_async

    entry = await database_sync_to_async(make_token)(department)

    queue_snapshot, queue_error = await socket_frames(f"/ws/queue/{department.pk}/", '{"type": "nonsense"}')
    patient_snapshot, patient_error = await socket_frames(f"/ws/patient/{entry.public_id}/", "not json")

    assert_declared("queue", queue_snapshot)
    assert_declared("patient", patient_snapshot)
    assert patient_snapshot["payload"]["visit"]["token"] == entry.token
    for error in (queue_error, patient_error):
        assert_declared("any", error)
