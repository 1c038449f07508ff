"""Public live sockets: a department's queue and one patient's visits. Tokens and states only."""

import json
import uuid

from channels.db import database_sync_to_async

from .broadcasts import current_sequence, department_group, department_snapshot_frame, frame, patient_group
from .live import CLOSE_BAD_REQUEST, CLOSE_NOT_FOUND, LiveConsumer
from .models import Department, Patient, Queue
from .selectors import current_visit, place_in_queue, visit_status

OPEN_STATUSES = Queue.ACTIVE_STATUSES


class QueueConsumer(LiveConsumer):
    """ws/queue/<department_id>/: the department's waiting tokens, now serving, length and expected wait."""

    async def subscribe(self):
        raw_id = self.scope["url_route"]["kwargs"]["department_id"]
        self.department = await database_sync_to_async(self._find_department)(raw_id)
        if self.department is None:
            await self.refuse(
                close_code=CLOSE_NOT_FOUND, code="unknown_department", message=f"No department with id '{raw_id[:40]}'."
            )
            return None
        return [department_group(self.department.pk)]

    @staticmethod
    def _find_department(raw_id):
        if not raw_id.isdigit():
            return None
        return Department.objects.filter(pk=int(raw_id)).first()

    @database_sync_to_async
    def snapshot(self):
        return department_snapshot_frame(self.department)


class PatientConsumer(LiveConsumer):
    """ws/patient/<public patient id>/: the patient's place in line, expected wait, status and "your turn".

    A change to the patient's own entry arrives ready-made on the patient group. Moves caused by other
    patients' changes are not published per patient: the socket also listens to the department group of
    each open visit and works out, from the public queue in each department frame and without a query,
    whether this patient's place, wait or "now serving" changed; only then does the patient get a frame.
    """

    async def subscribe(self):
        raw_id = self.scope["url_route"]["kwargs"]["patient_id"]
        try:
            public_id = uuid.UUID(raw_id)
        except ValueError:
            await self.refuse(
                close_code=CLOSE_BAD_REQUEST, code="bad_patient_id", message="The patient id must be a UUID."
            )
            return None
        self.patient = await database_sync_to_async(Patient.objects.filter(public_id=public_id).first)()
        if self.patient is None:
            await self.refuse(close_code=CLOSE_NOT_FOUND, code="unknown_patient", message="No patient with this id.")
            return None
        self.open_visits, self.department_seqs = {}, {}
        # Joined before the snapshot is read, so no department change between the two goes unseen.
        department_ids = await database_sync_to_async(self._open_visit_departments)()
        return [patient_group(self.patient.public_id), *(department_group(pk) for pk in department_ids)]

    def _open_visit_departments(self):
        return set(Queue.objects.active().filter(patient=self.patient).values_list("department_id", flat=True))

    @database_sync_to_async
    def snapshot(self):
        # Sequences first, for the same reason as department_snapshot_frame.
        department_ids = self.patient.visits.values_list("department_id", flat=True).distinct()
        self.department_seqs = {department_id: current_sequence(department_id) for department_id in department_ids}
        open_visits = (
            Queue.objects.active()
            .filter(patient=self.patient)
            .select_related("department", "patient", "doctor__user", "doctor__department", "feedback")
        )
        self.open_visits = {visit.pk: visit_status(entry=visit) for visit in open_visits}
        current = current_visit(patient=self.patient)
        if current is None:
            shown = None
        else:
            shown = self.open_visits.get(current.pk) or visit_status(entry=current)
        sequences = {str(department_id): seq for department_id, seq in self.department_seqs.items()}
        return frame(
            frame_type="snapshot", department_id=None, seq=None, payload={"visit": shown, "sequences": sequences}
        )

    async def frame_forward(self, message):
        envelope = json.loads(message["text"])
        if envelope["type"] == "patient.status":
            await self._follow_own_change(envelope)
            await super().frame_forward(message)
        else:
            await self._follow_department_change(envelope)

    async def _follow_own_change(self, envelope):
        visit, department_id = envelope["payload"]["visit"], envelope["department"]
        if visit["status"] in OPEN_STATUSES:
            self.open_visits[visit["visit_id"]] = visit
        else:
            self.open_visits.pop(visit["visit_id"], None)
        group = department_group(department_id)
        still_open = any(open_visit["department"]["id"] == department_id for open_visit in self.open_visits.values())
        if still_open and group not in self.groups_joined:
            # E.g. a transfer: follow the new department from this change on.
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
            self.department_seqs[department_id] = envelope["seq"]
        elif not still_open and group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.remove(group)

    async def _follow_department_change(self, envelope):
        department_id, seq = envelope["department"], envelope["seq"]
        last = self.department_seqs.get(department_id)
        if last is not None and seq <= last:
            return  # Already in what the patient has (a snapshot or an earlier frame).
        self.department_seqs[department_id] = seq
        if last is not None and seq > last + 1:
            # A department frame never reached this socket (it may have carried this patient's own change):
            # the database, not the frames, says where the patient stands now.
            await self.send_frame(await self.snapshot())
            return
        payload = envelope["payload"]
        for visit_id, visit in list(self.open_visits.items()):
            if visit["department"]["id"] != department_id:
                continue
            moved = visit_after_department_change(visit, payload)
            if moved is None or (moved == visit and envelope["type"] != "department.changed"):
                continue
            self.open_visits[visit_id] = moved
            extra = {"detail": payload["detail"]} if "detail" in payload else {}
            await self.send_frame(
                frame(
                    frame_type="patient.status",
                    department_id=department_id,
                    seq=seq,
                    payload={"event": payload["event"], "visit": moved, **extra},
                )
            )


def visit_after_department_change(visit, payload):
    """A visit as its patient sees it after a department change, from the frame's public queue alone.

    None when the frame cannot tell: the change is this visit's own (its patient.status frame carries it)
    or the visit is missing from the line it should be in. Department-level changes (a doctor going on
    break, an admin's message) are always passed on, since patients are told about them.
    """
    queue = payload["queue"]
    if visit["date"] != queue["date"]:
        return visit
    if payload.get("entry", {}).get("token") == visit["token"]:
        return None
    moved = {**visit, "now_serving": [served["token"] for served in queue["now_serving"]]}
    if visit["status"] == Queue.Status.WAITING:
        place = place_in_queue(queue, visit["token"])
        if place is None:
            return None
        moved.update(
            position=place["position"],
            patients_ahead=place["position"] - 1,
            estimated_wait_minutes=place["estimated_wait_minutes"],
        )
    return moved
