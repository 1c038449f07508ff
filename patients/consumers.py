"""Public live sockets: a department's queue and one token's visit. Tokens and states only."""

import json
import uuid

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .broadcasts import department_group, visit_group
from .live import CLOSE_BAD_REQUEST, CLOSE_NOT_FOUND, LiveConsumer, record_id
from .models import Department, Queue
from .published import current_sequence, latest_broadcast
from .selectors import (
    current_visit_status,
    department_snapshot_frame,
    visit_after_department_change,
    visit_by_link,
    visit_for_link,
)
from .serializers import frame


class QueueConsumer(LiveConsumer):
    """ws/queue/<department_id>/: the department's waiting tokens, now serving, length and expected wait."""

    accept_first = True

    async def subscribe(self):
        raw_id = self.scope["url_route"]["kwargs"]["department_id"]
        self.department = await database_sync_to_async(self._find_department)(raw_id)
        if self.department is None:
            await self.refuse(
                close_code=CLOSE_NOT_FOUND, code="unknown_department", message=_("No department has this id.")
            )
            return None
        return [department_group(self.department.pk)]

    @staticmethod
    def _find_department(raw_id):
        department_id = record_id(raw_id)
        return None if department_id is None else Department.objects.filter(pk=department_id).first()

    @database_sync_to_async
    def snapshot(self):
        return department_snapshot_frame(self.department)


class PatientConsumer(LiveConsumer):
    """ws/patient/<token's public id>/: that one visit's place in line, expected wait, status and "your turn".

    A change to the visit itself arrives ready-made on its visit group. Moves caused by other patients'
    changes are not published per visit: while the visit is open the socket also listens to its department
    group and works out, from the public queue in each department frame and without a query, whether the
    visit's place, wait or "now serving" changed; only then does the patient get a frame.
    """

    accept_first = True
    visit_entry = None

    def page_language(self):
        # As the token's own page (views.in_patients_language): its patient's language, unless this browser picked
        # one with the switcher.
        if self.visit_entry is None or settings.LANGUAGE_COOKIE_NAME in self.scope.get("cookies", {}):
            return super().page_language()
        return self.visit_entry.patient.language or super().page_language()

    async def subscribe(self):
        raw_id = self.scope["url_route"]["kwargs"]["patient_id"]
        try:
            public_id = uuid.UUID(raw_id)
        except ValueError:
            await self.refuse(close_code=CLOSE_BAD_REQUEST, code="bad_patient_id", message=_("The id must be a UUID."))
            return None
        self.link_id = public_id
        self.visit_entry = await database_sync_to_async(visit_for_link)(public_id)
        if self.visit_entry is None:
            await self.refuse(close_code=CLOSE_NOT_FOUND, code="unknown_patient", message=_("No visit has this id."))
            return None
        self.visit, self.department_seq = None, None
        # Joined before the snapshot is read, so no department change between the two goes unseen.
        groups = [visit_group(self.visit_entry.public_id)]
        if self.visit_entry.status in Queue.ACTIVE_STATUSES:
            groups.append(department_group(self.visit_entry.department_id))
        return groups

    async def snapshot(self):
        snapshot = await database_sync_to_async(self._read_snapshot)()
        if snapshot is None:
            await self._refuse_as_a_withdrawn_link()
        return snapshot

    def _read_snapshot(self):
        """The visit's snapshot, or None when its id is no longer the visit's: the desk corrected its phone
        (services.correct_phone), and a socket not in the department group (a no-show's) heard no frame of it."""
        # The sequence first, for the same reason as department_snapshot_frame.
        department_id = self.visit_entry.department_id
        self.department_seq = current_sequence(department_id)
        visit_entry = visit_by_link(self.visit_entry.public_id)
        if visit_entry is None:
            return None
        self.visit_entry = visit_entry
        # From the department's published queue when it holds the visit, as the status page and API read it: the
        # visit's row is read again, its line is not. Worked out from the line, each snapshot took six queries and
        # 10 ms of the server for a line of 150, and a client may ask once a second on each of its sockets.
        self.visit = current_visit_status(entry=self.visit_entry)
        return frame(
            frame_type="snapshot",
            department_id=None,
            seq=None,
            payload={
                "visit": self.visit,
                "sequences": {str(department_id): self.department_seq},
                # Told to the department's patients in line, as its frames are.
                "broadcast": latest_broadcast(department_id)
                if self.visit_entry.status in Queue.ACTIVE_STATUSES
                else None,
            },
        )

    async def frame_forward(self, message):
        envelope = json.loads(message["text"])
        if envelope["type"] == "patient.status":
            await self._follow_own_change(envelope)
            await super().frame_forward(message)
        elif not await self._refused_as_a_withdrawn_link(envelope):
            await self._follow_department_change(envelope)

    async def _refused_as_a_withdrawn_link(self, envelope):
        """The desk corrected the phone of this socket's token (services.correct_phone): the link the socket was
        opened with may be one the wrong number was sent, which no longer leads to the visit. Such a socket is
        closed as a socket opened on it now would be, rather than following the line from the department's frames."""
        payload = envelope["payload"]
        if payload["event"] != "phone_corrected" or payload.get("entry", {}).get("token") != self.visit["token"]:
            return False
        if await database_sync_to_async(visit_for_link)(self.link_id) is not None:
            return False
        await self._refuse_as_a_withdrawn_link()
        return True

    async def _refuse_as_a_withdrawn_link(self):
        await self.refuse(close_code=CLOSE_NOT_FOUND, code="unknown_patient", message=_("No visit has this id."))

    async def _follow_own_change(self, envelope):
        if envelope["department"] == self.visit_entry.department_id and envelope["seq"] <= (self.department_seq or 0):
            # Older than what the socket holds (two changes published at once by two processes, and a snapshot read
            # for the gap the later one's frame showed): the visit stays as that holds it. The client drops it too.
            return
        self.visit = envelope["payload"]["visit"]
        group = department_group(envelope["department"])
        in_line = self.visit["status"] in Queue.ACTIVE_STATUSES
        if not in_line and group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.remove(group)
        elif in_line and group not in self.groups_joined:
            # Back in line (a no-show recalled): others' changes move the visit again. Its status is the one of this
            # change's number; a department frame missed before the join shows as a gap after it.
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
            self.department_seq = max(self.department_seq or 0, envelope["seq"])

    async def _follow_department_change(self, envelope):
        seq = envelope["seq"]
        last = self.department_seq
        if last is not None and seq <= last:
            return  # Already in what the patient has (a snapshot or an earlier frame).
        self.department_seq = seq
        if last is not None and seq > last + 1:
            # A department frame never reached this socket (it may have carried this visit's own change):
            # the database, not the frames, says where the visit stands now.
            await self.send_snapshot()
            return
        payload = envelope["payload"]
        moved = visit_after_department_change(self.visit, payload)
        if moved is None or (moved == self.visit and envelope["type"] != "department.changed"):
            return
        self.visit = moved
        extra = {"detail": payload["detail"]} if "detail" in payload else {}
        await self.send_frame(
            frame(
                frame_type="patient.status",
                department_id=envelope["department"],
                seq=seq,
                payload={"event": payload["event"], "visit": moved, **extra},
            )
        )
