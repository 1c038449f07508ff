"""The doctor's own live socket: queue changes of the doctor's department, with patient names (staff only)."""

import time

from channels.db import database_sync_to_async

from patients.broadcasts import staff_group
from patients.live import CLOSE_FORBIDDEN, CLOSE_NOT_SIGNED_IN, LiveConsumer, record_id
from patients.published import current_sequence
from patients.selectors import department_queue_snapshot, staff_entry
from patients.serializers import frame
from patients.services import current_patient_of
from smartqueue.shapes import represent
from smartqueue.staff_sockets import signed_in_user, user_sockets_group

from .models import Doctor
from .serializers import SocketDoctorSerializer

# Not a refusal: the doctor now works in another department; the client reconnects and follows it.
CLOSE_DEPARTMENT_CHANGED = 4001
# A pong serves nothing, so a ping checks access again only when no check has for this long: the pages' pings (every
# 25 s) do not each read the session and the profile, and a socket whose session ended unannounced still closes.
PING_ACCESS_RECHECK_SECONDS = 60


class DoctorConsumer(LiveConsumer):
    """ws/doctor/<doctor_id>/: only the signed-in doctor's own session may listen; others are refused.

    Access is checked again before every frame and snapshot the socket serves, and the socket is closed as
    soon as the session ends or the doctor's account or profile stops granting it. A ping, whose pong serves nothing,
    re-checks it at most every PING_ACCESS_RECHECK_SECONDS.
    """

    closed_for = None
    access_checked_at = float("-inf")

    async def subscribe(self):
        user = self.scope.get("user")
        raw_id = self.scope["url_route"]["kwargs"]["doctor_id"]
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return None
        self.access_checked_at = time.monotonic()
        self.doctor = await database_sync_to_async(self._own_doctor)(user, raw_id)
        if self.doctor is None:
            # Refused at the handshake, whether the id is unknown or someone else's: no data, no hint.
            await self.close(code=CLOSE_FORBIDDEN)
            return None
        self.session_key = self.scope["session"].session_key
        return [staff_group(self.doctor.department_id), user_sockets_group(user.pk)]

    @staticmethod
    def _own_doctor(user, raw_id):
        doctor_id = record_id(raw_id)
        if doctor_id is None:
            return None
        return (
            Doctor.objects.filter(pk=doctor_id, user=user, is_active=True)
            .select_related("user", "department")
            .first()
        )

    def _refusal(self):
        """Why the socket may no longer serve this doctor (a close code), or None."""
        user = signed_in_user(self.session_key)
        if user is None or user.pk != self.doctor.user_id:
            return CLOSE_NOT_SIGNED_IN
        doctor = self._own_doctor(user, str(self.doctor.pk))
        if doctor is None:
            return CLOSE_FORBIDDEN
        if doctor.department_id != self.doctor.department_id:
            return CLOSE_DEPARTMENT_CHANGED
        return None

    async def still_allowed(self, *, unless_checked_within=0.0):
        """Whether the socket may still serve this doctor: checked again, unless a check this recent said so."""
        if self.closed_for is None and time.monotonic() - self.access_checked_at >= unless_checked_within:
            self.access_checked_at = time.monotonic()
            refusal = await database_sync_to_async(self._refusal)()
            if refusal is not None:
                await self._close_for(refusal)
        return self.closed_for is None

    async def _close_for(self, code):
        self.closed_for = code
        await self.close(code=code)

    async def receive(self, text_data=None, bytes_data=None):
        # Each answer that serves something checks access itself; an error about the message serves nothing.
        if self.closed_for is None:
            await super().receive(text_data=text_data, bytes_data=bytes_data)

    async def answer_snapshot_request(self):
        # Access is checked when the snapshot is sent (send_snapshot), not for each request: the requests of a second
        # are answered together, and checked each, a client asking in a loop read the session and the profile each time.
        if self.closed_for is None:
            await super().answer_snapshot_request()

    async def send_snapshot(self):
        if await self.still_allowed():
            await super().send_snapshot()

    async def answer_ping(self):
        if await self.still_allowed(unless_checked_within=PING_ACCESS_RECHECK_SECONDS):
            await super().answer_ping()

    async def frame_forward(self, message):
        if await self.still_allowed():
            await super().frame_forward(message)

    async def staff_signed_out(self, message):
        """smartqueue.staff_sockets.SIGNED_OUT: the user signed out (the session is about to be deleted)."""
        if self.closed_for is None:
            await self._close_for(CLOSE_NOT_SIGNED_IN)

    async def staff_access_changed(self, message):
        """smartqueue.staff_sockets.ACCESS_CHANGED: the account or profile changed; check it again now."""
        await self.still_allowed()

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
            # DoctorSnapshotPayloadSerializer's shape; the queue is already shaped by the read model.
            payload={
                "doctor": represent(SocketDoctorSerializer, self.doctor),
                "current": staff_entry(current) if current else None,
                "queue": department_queue_snapshot(department=department),
            },
        )
