"""The doctor's own live socket: queue changes of the doctor's department, with patient names (staff only)."""

from channels.db import database_sync_to_async

from patients.broadcasts import staff_group
from patients.live import CLOSE_FORBIDDEN, CLOSE_NOT_SIGNED_IN, LiveConsumer
from patients.published import current_sequence
from patients.selectors import department_queue_snapshot, staff_entry
from patients.serializers import frame
from patients.services import current_patient_of

from .models import Doctor


class DoctorConsumer(LiveConsumer):
    """ws/doctor/<doctor_id>/: only the signed-in doctor's own session may listen; others are refused."""

    async def subscribe(self):
        user = self.scope.get("user")
        raw_id = self.scope["url_route"]["kwargs"]["doctor_id"]
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return None
        self.doctor = await database_sync_to_async(self._own_doctor)(user, raw_id)
        if self.doctor is None:
            # Refused at the handshake, whether the id is unknown or someone else's: no data, no hint.
            await self.close(code=CLOSE_FORBIDDEN)
            return None
        # Queue changes reach all of the department's doctors through one staff group. A doctor moved to
        # another department follows it from their next connection.
        return [staff_group(self.doctor.department_id)]

    @staticmethod
    def _own_doctor(user, raw_id):
        if not raw_id.isdigit():
            return None
        return (
            Doctor.objects.filter(pk=int(raw_id), user=user, is_active=True)
            .select_related("user", "department")
            .first()
        )

    @database_sync_to_async
    def snapshot(self):
        self.doctor.refresh_from_db(fields=["availability", "room", "department"])
        department = self.doctor.department
        seq = current_sequence(department.pk)
        current = current_patient_of(self.doctor)
        return frame(
            frame_type="snapshot",
            department_id=department.pk,
            seq=seq,
            payload={
                "doctor": {
                    "id": self.doctor.pk,
                    "name": str(self.doctor),
                    "availability": self.doctor.availability,
                    "room": self.doctor.location,
                },
                "current": staff_entry(current) if current else None,
                "queue": department_queue_snapshot(department=department),
            },
        )
