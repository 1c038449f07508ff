"""Public live sockets: a department's queue and one patient's visits. Tokens and states only."""

import uuid

from channels.db import database_sync_to_async

from .broadcasts import current_sequence, department_group, department_snapshot_frame, frame, patient_group
from .live import CLOSE_BAD_REQUEST, CLOSE_NOT_FOUND, LiveConsumer
from .models import Department, Patient
from .selectors import patient_status


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
    """ws/patient/<public patient id>/: the patient's place in line, expected wait, status and "your turn"."""

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
        return [patient_group(self.patient.public_id)]

    @database_sync_to_async
    def snapshot(self):
        # Sequences first, for the same reason as department_snapshot_frame.
        department_ids = self.patient.visits.values_list("department_id", flat=True).distinct()
        sequences = {str(department_id): current_sequence(department_id) for department_id in department_ids}
        return frame(
            frame_type="snapshot",
            department_id=None,
            seq=None,
            payload={"visit": patient_status(patient=self.patient), "sequences": sequences},
        )
