"""The desk changes a token found by its ticket (the live queues' "Find a patient's token"): a registration made in the
wrong department is moved to the right one keeping its place, a priority changed, a token cancelled after a confirm;
each the panel's action, as POST /adminpanel/api/ runs it."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from adminpanel.models import AuditLog
from doctors import services as doctor_services
from doctors.models import DoctorAbsence, DoctorSchedule
from notifications.models import (
    NO_MESSAGES_REASON,
    OPTED_OUT_REASON,
    REPORTED_FAILURE_REASONS,
    TOO_LONG_FOR_WHATSAPP_TEMPLATE,
    TOO_LONG_FOR_WHATSAPP_TEMPLATE_REASON,
    Notification,
)
from patients import services
from patients.models import Queue
from smartqueue.i18n import clock_time

API = "/adminpanel/api/"


@pytest.fixture
def orthopaedics(make_department, make_doctor):
    department = make_department(name="Orthopaedics", code="ORTH")
    make_doctor(department=department)
    return department


@pytest.fixture
def wrong_department(clock, department, orthopaedics):
    """Ana came for her knee (Orthopaedics) and the desk registered her in Cardiology; Ravi was already waiting in
    Orthopaedics, and registered after her."""
    ana = services.register_visit(department=department, name="Ana Ruiz", phone="+12025550111", age=34, gender="female")
    clock.shift(timedelta(minutes=5))
    services.register_visit(department=orthopaedics, name="Ravi Kumar", phone="+12025550122", age=50, gender="male")
    return ana.entry


def visit_page(entry):
    return reverse("adminpanel:visit", args=[entry.pk])


def test_the_desk_finds_the_token_and_moves_it_to_the_right_department_keeping_its_place(
    admin_client, wrong_department, orthopaedics, django_capture_on_commit_callbacks, tasks_run_inline
):
    live = admin_client.get(reverse("adminpanel:queues")).content.decode()
    assert f'href="{reverse("adminpanel:find-token")}"' in live
    found = admin_client.get(reverse("adminpanel:find-token"), {"token": "card-1"})
    assert found.status_code == 302 and found.url == visit_page(wrong_department)
    page = admin_client.get(visit_page(wrong_department)).content.decode()
    assert "Ana Ruiz" in page and "Cardiology" in page
    assert f'<option value="{orthopaedics.pk}">Orthopaedics</option>' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("adminpanel:visit-move", args=[wrong_department.pk]),
            {"to_department": orthopaedics.pk},
            follow=True,
        )

    assert response.redirect_chain == [(reverse("adminpanel:queues"), 302)]
    moved = Queue.objects.get(transferred_from=wrong_department)
    assert [str(message) for message in response.context["messages"]] == [
        "CARD-001 is now ORTH-002 in Orthopaedics, in its place by arrival; the patient is texted the new token."
    ]
    assert (moved.status, moved.get_position_in_queue()) == ("waiting", 1)
    assert Queue.objects.get(pk=wrong_department.pk).status == Queue.Status.CANCELLED
    told = Notification.objects.filter(queue_entry=moved)
    assert told.count() == 1 and "ORTH-002" in told.get().body
    assert AuditLog.objects.filter(action="queue.transferred", actor__username="manager").count() == 2


def test_a_move_into_a_department_nobody_sees_patients_in_today_is_refused_beside_the_field(
    admin_client, clock, wrong_department, make_department, make_doctor
):
    general = make_department(name="General Medicine", code="GEN")
    sick = make_doctor(department=general)
    DoctorSchedule.objects.create(
        doctor=sick, weekday=timezone.localdate().weekday(), starts_at=time(8), ends_at=time(16)
    )
    DoctorAbsence.objects.create(doctor=sick, day=timezone.localdate(), reason="Sick")

    response = admin_client.post(
        reverse("adminpanel:visit-move", args=[wrong_department.pk]), {"to_department": general.pk}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert (
        'id="id_to_department_error">No doctor is expected back in General Medicine today: nobody would see the '
        "patient there." in page
    )
    # Posted from a page read before its doctor left: the page now marks it, not to be chosen again.
    assert f'<option value="{general.pk}" disabled>General Medicine (no doctor left today)</option>' in page
    assert Queue.objects.get(pk=wrong_department.pk).status == Queue.Status.WAITING
    assert not Queue.objects.filter(department=general).exists()


def test_the_move_list_marks_a_department_nobody_sees_patients_in_today_and_does_not_offer_it(
    admin_client, clock, wrong_department, orthopaedics, make_department, make_doctor
):
    """It was offered as any other, and refused only once the desk had chosen it and pressed Move."""
    general = make_department(name="General Medicine", code="GEN")
    sick = make_doctor(department=general)
    DoctorSchedule.objects.create(
        doctor=sick, weekday=timezone.localdate().weekday(), starts_at=time(8), ends_at=time(16)
    )
    DoctorAbsence.objects.create(doctor=sick, day=timezone.localdate(), reason="Sick")

    page = admin_client.get(visit_page(wrong_department)).content.decode()

    assert f'<option value="{general.pk}" disabled>General Medicine (no doctor left today)</option>' in page
    assert f'<option value="{orthopaedics.pk}">' in page


def test_a_move_without_a_department_chosen_names_the_field(admin_client, wrong_department):
    response = admin_client.post(reverse("adminpanel:visit-move", args=[wrong_department.pk]), {})

    assert response.status_code == 400
    assert 'id="id_to_department_error">Choose the department to move the token to.' in response.content.decode()
    assert Queue.objects.get(pk=wrong_department.pk).status == Queue.Status.WAITING


def test_the_desk_raises_a_waiting_patients_priority_from_the_page(admin_client, department, wrong_department):
    services.register_visit(department=department, name="Li Wei", phone="+12025550133", age=70, gender="male")
    later = Queue.objects.get(token_number=2, department=department)

    response = admin_client.post(reverse("adminpanel:visit-priority", args=[later.pk]), {"priority": "emergency"})

    assert response.status_code == 302
    later.refresh_from_db()
    assert (later.priority, later.get_position_in_queue()) == ("emergency", 1)


def test_a_priority_reads_as_an_adjective_of_the_priority_in_spanish(admin_client, department, wrong_department):
    # "tiene ahora prioridad urgencia" put a noun where "normal" and "alta" are adjectives agreeing with "prioridad".
    admin_client.cookies["django_language"] = "es"
    page = admin_client.get(visit_page(wrong_department)).content.decode()

    changed = admin_client.post(
        reverse("adminpanel:visit-priority", args=[wrong_department.pk]), {"priority": "emergency"}, follow=True
    )

    priorities = page.split('id="id_priority"')[1].split("</select>")[0]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", priorities) == ["Normal", "Alta", "Urgente"]
    assert "El turno CARD-001 tiene ahora prioridad urgente." in changed.content.decode()


def test_cancelling_asks_first_then_cancels(admin_client, wrong_department):
    cancel_page = reverse("adminpanel:visit-cancel", args=[wrong_department.pk])
    confirm = admin_client.get(cancel_page).content.decode()
    assert "CARD-001 (Ana Ruiz) leaves the Cardiology line, and the patient is texted so." in confirm
    assert Queue.objects.get(pk=wrong_department.pk).status == Queue.Status.WAITING

    response = admin_client.post(cancel_page, {"confirmed": "yes"})

    assert response.status_code == 302 and response.url == reverse("adminpanel:queues")
    assert Queue.objects.get(pk=wrong_department.pk).status == Queue.Status.CANCELLED


def test_a_token_that_is_over_offers_no_change(admin_client, wrong_department):
    services.cancel(entry=wrong_department)

    page = admin_client.get(visit_page(wrong_department)).content.decode()

    assert "Cancelled" in page
    for form_field in ('name="to_department"', 'name="priority"', "Cancel token CARD-001", "Correct the phone number"):
        assert form_field not in page
    refused = admin_client.post(reverse("adminpanel:visit-priority", args=[wrong_department.pk]), {"priority": "high"})
    assert refused.status_code == 400
    assert "The priority of token CARD-001 cannot change" in refused.content.decode()


@pytest.mark.parametrize(
    "status, offered",
    [
        (Queue.Status.CALLED, {'name="to_department"', "Cancel token CARD-001"}),
        (Queue.Status.SKIPPED, {'name="to_department"', "Cancel token CARD-001"}),
        (Queue.Status.IN_CONSULTATION, set()),
    ],
    ids=["called", "missed", "in-consultation"],
)
def test_the_page_offers_the_changes_the_queue_rules_allow_the_token_as_it_is(
    admin_client, wrong_department, orthopaedics, status, offered
):
    Queue.objects.filter(pk=wrong_department.pk).update(status=status)

    page = admin_client.get(visit_page(wrong_department)).content.decode()

    changes = {'name="to_department"', 'name="priority"', "Cancel token CARD-001"}
    assert {change for change in changes if change in page} == offered


def test_a_token_not_issued_today_is_said_so_beside_the_token_typed(admin_client, wrong_department):
    response = admin_client.get(reverse("adminpanel:find-token"), {"token": "CARD-009"})

    assert response.status_code == 400
    assert 'id="id_token_error">No token CARD-009 was issued today.' in response.content.decode()


@pytest.mark.parametrize("page", ["adminpanel:visit", "adminpanel:visit-cancel", "adminpanel:visit-reinstate"])
def test_the_pages_are_the_administrators_only(client, make_doctor, orthopaedics, wrong_department, page):
    client.force_login(make_doctor(department=orthopaedics).user)

    response = client.get(reverse(page, args=[wrong_department.pk]))

    assert response.status_code == 403


def test_the_move_is_an_action_of_the_panels_api(admin_client, wrong_department, orthopaedics):
    response = admin_client.post(
        API,
        {"action": "move_token", "entry": wrong_department.pk, "to_department": orthopaedics.pk},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert Queue.objects.get(transferred_from=wrong_department).token == "ORTH-002"


@pytest.mark.parametrize(
    "page, field, values",
    [
        ("adminpanel:visit-move", "to_department", "departments"),
        ("adminpanel:visit-priority", "priority", "priorities"),
    ],
)
def test_a_field_given_twice_is_refused_naming_it_not_read_as_its_last_value(
    admin_client, department, orthopaedics, make_department, wrong_department, page, field, values
):
    """Sixteenth attack run: the page kept the last of two values silently, moving the token to the second of two
    departments posted, where every other page form refuses a field given twice."""
    general = make_department(name="General Medicine", code="GEN")
    posted = {
        "departments": [orthopaedics.pk, general.pk],
        "priorities": [Queue.Priority.HIGH, Queue.Priority.EMERGENCY],
    }[values]

    response = admin_client.post(reverse(page, args=[wrong_department.pk]), {field: posted})

    assert response.status_code == 400
    assert f'id="id_{field}_error">' in response.content.decode()
    assert "more than once" in response.content.decode()
    entry = Queue.objects.get(pk=wrong_department.pk)
    assert (entry.status, entry.priority, entry.department_id) == ("waiting", "normal", department.pk)
    assert not Queue.objects.filter(transferred_from=wrong_department).exists()


@pytest.mark.parametrize("page", ["adminpanel:find-token", "adminpanel:correct-phone"])
def test_two_tokens_in_the_finders_address_are_refused_not_read_as_the_last(admin_client, wrong_department, page):
    response = admin_client.get(reverse(page), {"token": ["CARD-009", "CARD-001"]})

    assert response.status_code == 400
    assert 'id="id_token_error">&quot;Token&quot; is given more than once.' in response.content.decode()


def test_the_visit_page_shows_the_desk_a_message_twilio_refused_next_to_correcting_the_phone(
    admin_client, wrong_department
):
    """The desk could not see that the registration text never reached a mistyped number (only Django admin listed
    it): the patient waited for texts that would not come, and the desk had no reason to correct the phone."""
    Notification.objects.create(
        patient=wrong_department.patient,
        queue_entry=wrong_department,
        channel="sms",
        event="registration",
        idempotency_key="refused-registration",
        status=Notification.Status.FAILED,
        error_code="21211",
        error_message="The 'To' number is not a valid phone number.",
    )

    page = admin_client.get(visit_page(wrong_department)).content.decode()

    assert "Messages to the patient" in page
    assert (
        'Failed: 21211 <span lang="en" dir="ltr">The &#x27;To&#x27; number is not a valid phone number.</span>' in page
    )
    assert "The last message to this patient was not delivered." in page


def test_a_number_twilio_quotes_in_its_refusal_reaches_the_visit_page_by_its_last_four_digits_only(
    admin_client, wrong_department
):
    """Twilio's refusal quotes the number it refused, and the visit page showed it as it came: the patient's whole
    number before every panel administrator, of every token; the panel shows it whole only to correct it, on the
    correction page of a token open today (today's bookings mask it, as the logs do)."""
    number = wrong_department.patient.phone
    Notification.objects.create(
        patient=wrong_department.patient,
        queue_entry=wrong_department,
        channel="sms",
        event="registration",
        idempotency_key="refused-registration",
        status=Notification.Status.FAILED,
        error_code="21211",
        error_message=f"Unable to create record: The 'To' number {number} is not a valid phone number.",
    )

    page = admin_client.get(visit_page(wrong_department)).content.decode()

    masked = "\u2022" * 6 + number[-4:]
    assert number not in page
    assert f"The &#x27;To&#x27; number {masked} is not a valid phone number." in page


@pytest.mark.parametrize(
    "error_code, error_message, arabic",
    [
        ("", OPTED_OUT_REASON, "طلب المريض عدم تلقي الرسائل."),
        ("", NO_MESSAGES_REASON, "اختار المريض ألا يتلقى أي رسائل."),
        ("30003", REPORTED_FAILURE_REASONS["undelivered"], "30003 أفاد Twilio بأن الرسالة لم تُسلَّم."),
        (TOO_LONG_FOR_WHATSAPP_TEMPLATE, TOO_LONG_FOR_WHATSAPP_TEMPLATE_REASON, "يقبل واتساب 1024 حرفًا"),
    ],
)
def test_the_visit_page_gives_the_servers_own_reasons_in_the_readers_language(
    admin_client, wrong_department, error_code, error_message, arabic
):
    """Why a message was skipped or failed was kept in English and shown so on every page: "تم التخطي حسب التفضيل:
    Patient opted out of messages." on the Arabic one, and the WhatsApp template's code "template-length" beside it."""
    Notification.objects.filter(queue_entry=wrong_department).delete()
    Notification.objects.create(
        patient=wrong_department.patient,
        queue_entry=wrong_department,
        channel="sms",
        event="registration",
        idempotency_key="not-sent",
        status=Notification.Status.FAILED if error_code else Notification.Status.SKIPPED_BY_PREFERENCE,
        error_code=error_code,
        error_message=error_message,
    )

    page = admin_client.get(visit_page(wrong_department), HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    assert arabic in page
    assert error_message.split(" (")[0].split(":")[0] not in page and "template-length" not in page
    assert "%(limit)s" not in page


def test_the_visit_page_says_when_no_message_was_written(admin_client, wrong_department):
    Notification.objects.filter(queue_entry=wrong_department).delete()

    page = admin_client.get(visit_page(wrong_department)).content.decode()

    assert "No message was written for this token." in page


def test_the_visit_page_tells_the_desk_when_and_by_whom_a_token_was_cancelled(
    admin_client, clock, department, orthopaedics, wrong_department, make_user
):
    """A patient at the desk asking why their token is gone: the page said only "Cancelled", the same for the
    patient's own Leave the line, their text CANCEL, a colleague's cancel and a move to another department."""
    from notifications.models import InboundMessage

    def register(name, phone):
        return services.register_visit(department=department, name=name, phone=phone, age=40, gender="female").entry

    left_on_page, left_by_text, cancelled_at_desk = (
        register("Maya Rao", "+12025550131"),
        register("Omar Haddad", "+12025550132"),
        register("Lena Ortiz", "+12025550133"),
    )
    services.leave_line(entry=left_on_page)
    services.leave_line(entry=left_by_text)
    InboundMessage.objects.create(
        message_sid="SM1", channel="sms", from_phone="+12025550132", body="YES 1234", keyword="YES",
        effect=InboundMessage.Effect.CANCELLED, patient=left_by_text.patient, queue_entry=left_by_text,
    )
    colleague = make_user(username="desk.two", first_name="Rita", last_name="Gomes")
    services.cancel(entry=cancelled_at_desk, actor=colleague)
    moved = doctor_services.move_to_department(entry=wrong_department, to_department=orthopaedics, actor=colleague)
    at = clock_time(timezone.now())

    def said(entry):
        page = admin_client.get(visit_page(entry)).content.decode()
        said = page.split('<dt class="col-5">Cancelled</dt><dd class="col-7">')[1].split("</dd>")[0]
        return " ".join(said.split())

    assert said(left_on_page) == f"{at}, by the patient, with Leave the line on their status page"
    assert said(left_by_text) == f"{at}, by the patient, texting CANCEL"
    assert said(cancelled_at_desk) == f"{at}, by Rita Gomes"
    assert said(wrong_department) == f"{at}, moved to token {moved.token}"
    assert "<dt class=\"col-5\">Cancelled</dt>" not in admin_client.get(visit_page(moved)).content.decode()


def test_a_token_cancelled_by_mistake_is_restored_from_its_page_after_a_confirm(wrong_department, admin_client):
    """The desk cancelled Ana's token instead of the one next to it: she had to be registered again, at the back."""
    cancel_page = reverse("adminpanel:visit-cancel", args=[wrong_department.pk])
    assert "it can be restored to its place today" in admin_client.get(cancel_page).content.decode()
    admin_client.post(cancel_page, {"confirmed": "yes"})
    page = admin_client.get(visit_page(wrong_department)).content.decode()
    restore_page = reverse("adminpanel:visit-reinstate", args=[wrong_department.pk])
    assert f'href="{restore_page}">Restore token CARD-001</a>' in page
    confirm = admin_client.get(restore_page).content.decode()
    assert "CARD-001 (Ana Ruiz) waits again in the Cardiology line at its own place" in confirm

    response = admin_client.post(restore_page, {"confirmed": "yes"})

    assert response.status_code == 302 and response.url == reverse("adminpanel:queues")
    assert Queue.objects.get(pk=wrong_department.pk).status == Queue.Status.WAITING
    assert AuditLog.objects.filter(action="queue.reinstated", actor__username="manager").exists()
    restored_page = admin_client.get(visit_page(wrong_department)).content.decode()
    assert "Restore token" not in restored_page and "Cancel token CARD-001" in restored_page


def test_a_cancelled_token_that_cannot_be_restored_says_why_and_offers_nothing(wrong_department, admin_client):
    services.cancel(entry=wrong_department)
    services.register_visit(
        department=wrong_department.department, name="Ana Ruiz", phone="+12025550111", age=34, gender="female"
    )

    page = admin_client.get(visit_page(wrong_department)).content.decode()
    refused = admin_client.post(reverse("adminpanel:visit-reinstate", args=[wrong_department.pk]), follow=True)

    assert "Restore token" not in page
    assert "It cannot be restored: This patient already holds token CARD-002 in Cardiology today." in page
    assert Queue.objects.get(pk=wrong_department.pk).status == Queue.Status.CANCELLED
    assert "This patient already holds token CARD-002 in Cardiology today." in refused.content.decode()


def test_the_restoration_is_an_action_of_the_panels_api(wrong_department, admin_client):
    services.cancel(entry=wrong_department)

    restored = admin_client.post(
        API, {"action": "reinstate_token", "entry": wrong_department.pk}, content_type="application/json"
    )
    again = admin_client.post(
        API, {"action": "reinstate_token", "entry": wrong_department.pk}, content_type="application/json"
    )

    assert restored.status_code == 200
    assert restored.json()["message"] == "CARD-001 is back in line at its place; the patient is told."
    assert again.status_code == 400
    assert again.json()["errors"]["entry"] == ["CARD-001 is waiting in the queue: the page now shows it as it is."]


def test_django_admin_gives_a_messages_reason_in_the_readers_language(client, make_user, wrong_department):
    """Django admin showed the stored English reason on its Arabic page, as the visit page did."""
    message = Notification.objects.create(
        patient=wrong_department.patient,
        queue_entry=wrong_department,
        channel="sms",
        event="registration",
        idempotency_key="skipped",
        status=Notification.Status.SKIPPED_BY_PREFERENCE,
        error_message=OPTED_OUT_REASON,
    )
    client.force_login(make_user(is_staff=True, is_superuser=True))

    page = client.get(
        reverse("admin:notifications_notification_change", args=[message.pk]), HTTP_ACCEPT_LANGUAGE="ar"
    ).content.decode()

    assert "طلب المريض عدم تلقي الرسائل." in page and OPTED_OUT_REASON not in page
    assert "<textarea" not in page


@pytest.mark.parametrize("moved_on", ["cancel", "complete"])
def test_a_move_from_a_page_read_before_the_token_moved_on_says_the_move_is_refused_and_why(
    admin_client, wrong_department, orthopaedics, make_doctor, department, moved_on
):
    """Another clerk cancelled the token, or its doctor saw the patient, after this clerk's page was read: the move
    was refused as 'cannot be cancelled', words for an action the clerk had not taken."""
    if moved_on == "cancel":
        services.cancel(entry=wrong_department)
        now = "It was cancelled or transferred."
    else:
        services.call_patient(entry=wrong_department, doctor=make_doctor(department=department))
        services.start_consultation(entry=wrong_department)
        services.complete_consultation(entry=wrong_department)
        now = "Its consultation is already completed."

    response = admin_client.post(
        reverse("adminpanel:visit-move", args=[wrong_department.pk]), {"to_department": orthopaedics.pk}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert f"Token {wrong_department.token} cannot be moved to another department. {now}" in page
    assert not Queue.objects.filter(transferred_from=wrong_department).exists()
