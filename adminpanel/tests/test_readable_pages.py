"""What staff read in the panel: confirmations before destructive actions, with an undo, and an audit log in words."""

import re
from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from adminpanel.audit_actions import AUDIT_ACTIONS
from adminpanel.models import AuditLog, SystemConfiguration
from adminpanel.services import record_audit
from notifications.defaults import install_default_templates
from notifications.models import NotificationTemplate
from doctors import services as doctor_services
from doctors.models import DoctorAbsence
from patients import appointments
from patients.models import Appointment, ClosedDay, Department


def test_deactivating_a_department_asks_first_says_what_follows_and_can_be_undone(admin_client, department, make_token):
    make_token(department)
    confirmation = admin_client.get(reverse("adminpanel:department-deactivate", args=[department.pk]))
    page = confirmation.content.decode()
    assert "Deactivate Cardiology?" in page
    assert "1 patient waiting there now keeps their token" in page
    assert Department.objects.get(pk=department.pk).is_active

    admin_client.post(reverse("adminpanel:department-deactivate", args=[department.pk]))
    listing = admin_client.get(reverse("adminpanel:departments")).content.decode()
    assert "Reactivate" in listing and not Department.objects.get(pk=department.pk).is_active

    admin_client.post(reverse("adminpanel:department-reactivate", args=[department.pk]))
    assert Department.objects.get(pk=department.pk).is_active
    assert AuditLog.objects.filter(action="department.reactivated").count() == 1


def test_deactivating_a_doctor_asks_first(admin_client, make_doctor):
    doctor = make_doctor()
    page = admin_client.get(reverse("adminpanel:doctor-deactivate", args=[doctor.pk])).content.decode()
    assert "no longer be able to sign in" in page
    doctor.refresh_from_db()
    assert doctor.is_active


def test_a_broadcast_is_confirmed_with_the_number_who_will_receive_it(admin_client, department, make_token):
    make_token(department)
    make_token(department)
    url = reverse("adminpanel:broadcast")
    assert "Review before sending" in admin_client.get(url).content.decode()
    review = admin_client.post(url, {"message": "Clinic runs late.", "department": department.pk}).content.decode()
    assert "Send to 2 waiting patients" in review
    assert not AuditLog.objects.filter(action="broadcast.sent").exists()

    sent = admin_client.post(url, {"message": "Clinic runs late.", "department": department.pk, "confirmed": "yes"},
                             follow=True)
    assert "Sent to 2 waiting patients (Cardiology)." in sent.content.decode()


def test_a_broadcast_to_a_department_with_nobody_waiting_is_refused_in_words(admin_client, department):
    response = admin_client.post(reverse("adminpanel:broadcast"), {"message": "Hello", "department": department.pk})
    assert response.context["form"].errors["department"] == [
        "Nobody is waiting today (Cardiology), so there is no one to send it to."
    ]
    assert not AuditLog.objects.filter(action="broadcast.sent").exists()


def test_the_audit_log_reads_in_words_with_what_changed(admin_client, department, make_user):
    record_audit(actor=None, action="queue.called", target=department,
                 before={"token": "CARD-001", "status": "waiting"}, after={"token": "CARD-001", "status": "called"})
    record_audit(actor=None, action="department.updated", target=department,
                 before={"is_active": True, "room": ""}, after={"is_active": False, "room": "Block A"})
    page = admin_client.get(reverse("adminpanel:audit")).content.decode()
    assert "Patient called" in page and "queue.called<" not in page
    # The arrow is for the eye; a screen reader says "Status: was Waiting, now Called" (not "right arrow").
    was = '<span class="visually-hidden">was </span>'
    now = '<span aria-hidden="true">→</span><span class="visually-hidden">, now</span>'
    assert f"Status: {was}<del>Waiting</del> {now} <ins>Called</ins>" in page
    assert f"Active: {was}<del>yes</del> {now} <ins>no</ins>" in page
    assert f"Room: {was}<del>none</del> {now} <ins>Block A</ins>" in page
    assert "{&#x27;" not in page and "Token:" not in page


def test_the_audit_log_describes_what_it_is_about_in_the_readers_language(admin_client, department, make_doctor):
    doctor = make_doctor(department=department)
    closed = ClosedDay.objects.create(day=date(2026, 12, 7), department=department)
    with translation.override("hi"):
        record_audit(actor=None, action="doctor.updated", target=doctor, before={"room": ""}, after={"room": "2A"})
        record_audit(actor=None, action="appointments.day_closed", target=closed, after={"day": "2026-12-07"})
        record_audit(actor=None, action="configuration.updated", target=SystemConfiguration.load())
    assert "डॉ." in AuditLog.objects.get(action="doctor.updated").object_repr

    page = admin_client.get(reverse("adminpanel:audit"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert f"{doctor.user.get_full_name()}" in page and "डॉ." not in page
    # The department left as written is marked as English inside the Spanish sentence.
    assert 'lun 7 dic 2026 cerrado (<span lang="en" dir="ltr">Cardiology</span>)' in page
    assert "2026-12-07" not in page
    assert "Configuración del sistema" in page and "System configuration" not in page


def test_the_audit_log_describes_a_reopened_day_and_a_withdrawn_absence_in_the_readers_language(
    admin_client, department, make_doctor, django_capture_on_commit_callbacks
):
    """A day reopened or an absence withdrawn is deleted, and its audit rows (closed, reopened; recorded, withdrawn)
    fell back on the description stored in the language of whoever acted: a Hindi admin's "सोम 7 दिस॰ 2026 बंद" on
    every reader's page. They are described from their snapshots, as the day or absence was while it existed."""
    doctor = make_doctor(department=department)
    day = timezone.localdate() + timedelta(days=3)
    with translation.override("hi"), django_capture_on_commit_callbacks(execute=True):
        closed = appointments.close_day(day=day, department=department)
        hospital_closed = appointments.close_day(day=day + timedelta(days=1))
        appointments.reopen_day(closed=closed)
        appointments.reopen_day(closed=hospital_closed)
        doctor_services.record_absence(doctor=doctor, day=day)
        doctor_services.withdraw_absence(absence=DoctorAbsence.objects.get(doctor=doctor), actor=None)
    assert "बंद" in AuditLog.objects.filter(action="appointments.day_reopened").first().object_repr

    page = admin_client.get(reverse("adminpanel:audit"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    with translation.override("es"):
        day_format = translation.pgettext("date format", "D j M Y")
        in_spanish, next_day = date_format(day, day_format), date_format(day + timedelta(days=1), day_format)
        doctor_in_spanish = str(doctor)
    assert page.count(f'{in_spanish} cerrado (<span lang="en" dir="ltr">Cardiology</span>)') == 2
    assert page.count(f"{next_day} cerrado (todo el hospital)") == 2
    assert page.count(f"{doctor_in_spanish} ausente el {in_spanish}") == 2
    stored = AuditLog.objects.filter(object_type__in=["closedday", "doctorabsence"]).values_list("object_repr", flat=True)
    assert not any(description in page for description in stored)


def test_the_audit_log_describes_a_booking_in_the_readers_words(
    admin_client, department, make_department, make_patient
):
    slot = timezone.make_aware(datetime(2026, 12, 4, 10, 30))
    ent = make_department(name="ENT", code="ENT", translations={"es": {"name": "Otorrinolaringología"}})
    for booked_in in (department, ent):
        booking = Appointment.objects.create(patient=make_patient(), department=booked_in, slot_start=slot, seat=1)
        record_audit(actor=None, action="appointment.booked", target=booking)

    page = admin_client.get(reverse("adminpanel:audit"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    # A name left as written is marked as English, a translated one is not; the time reads as Spanish writes it.
    assert re.search(r'Cita \w+, <span lang="en" dir="ltr">Cardiology</span>, vie 4 dic, 10:30', page)
    assert re.search(r"Cita \w+, Otorrinolaringología, vie 4 dic, 10:30", page)
    assert "2026-12-04" not in page


def test_the_panels_department_lists_mark_a_name_left_as_written_with_its_language(
    admin_client, department, make_patient
):
    slot = timezone.now() + timedelta(days=1)
    Appointment.objects.create(patient=make_patient(), department=department, slot_start=slot, seat=1)
    option = f'<option value="{department.pk}" lang="en" dir="ltr">Cardiology</option>'

    broadcast = admin_client.get(reverse("adminpanel:broadcast"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    bookings = admin_client.get(reverse("adminpanel:appointments"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert option in broadcast and option in bookings
    assert '<td><span lang="en" dir="ltr">Cardiology</span></td>' in bookings


def test_closing_a_day_confirms_it_with_the_day_in_words(admin_client, department):
    day = timezone.localdate() + timedelta(days=3)
    response = admin_client.post(reverse("adminpanel:close-day"), {"close_day-day": day.isoformat()}, follow=True)

    assert f"Closed {date_format(day, 'D j M Y')} for bookings" in response.content.decode()


def test_the_audit_log_names_departments_in_the_readers_words_and_pages_by_what_they_are(
    admin_client, department, make_department, make_user
):
    """A department a row is about or changed, in the reader's language (marked where left as written); a sign-in
    by the part of the site, not its address; a row that changed nothing says so in words, not with a dash."""
    ent = make_department(name="ENT", code="ENT", translations={"es": {"name": "Otorrinolaringología"}})
    closed = ClosedDay.objects.create(day=date(2026, 12, 7), department=ent)
    record_audit(actor=None, action="appointments.day_closed", target=closed, after={"day": "2026-12-07"})
    record_audit(actor=None, action="broadcast.sent", target=ent, after={"message": "Clinic runs late."})
    record_audit(actor=None, action="queue.registered", target=department,
                 after={"token": "CARD-001", "status": "waiting", "department_id": department.pk})
    record_audit(actor=None, action="auth.signed_in", target=make_user(username="nurse"),
                 after={"path": "/adminpanel/login/"})
    record_audit(actor=None, action="queue.registration_repeated", target=department)

    page = admin_client.get(reverse("adminpanel:audit"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    cells = re.findall(r"<td>(.*?)</td>", page, re.S)

    assert "lun 7 dic 2026 cerrado (Otorrinolaringología)" in page
    assert "Otorrinolaringología" in cells and "ENT" not in cells
    assert 'Servicio: <ins><span lang="en" dir="ltr">Cardiology</span></ins>' in page
    assert "Página: <ins>Panel de administración</ins>" in page and "<ins>/adminpanel/login/</ins>" not in page
    assert "Nada cambió" in page and "—" not in page


def test_a_departments_name_in_the_panels_sentences_is_in_the_readers_words_and_marked_where_left_as_written(
    admin_client, department, make_department, make_doctor, make_token
):
    """The broadcast's scope, a deactivation's question and what follows: "Cardiology" in a Spanish sentence is
    marked as English (a screen reader says it in an English voice), a translated name is the reader's."""
    ent = make_department(name="ENT", code="ENT", translations={"es": {"name": "Otorrinolaringología"}})
    make_token(department)
    marked = '<span lang="en" dir="ltr">Cardiology</span>'
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    url = reverse("adminpanel:broadcast")

    review = admin_client.post(url, {"message": "Hola", "department": department.pk}, **spanish).content.decode()
    sent = admin_client.post(
        url, {"message": "Hola", "department": department.pk, "confirmed": "yes"}, follow=True, **spanish
    ).content.decode()
    question = admin_client.get(reverse("adminpanel:department-deactivate", args=[department.pk]), **spanish)
    translated = admin_client.get(reverse("adminpanel:department-deactivate", args=[ent.pk]), **spanish)
    doctor = admin_client.get(reverse("adminpanel:doctor-deactivate", args=[make_doctor(department=ent).pk]), **spanish)

    assert f"1 paciente en espera ({marked})" in review and f"({marked})." in sent
    assert f"¿Desactivar {marked}?" in question.content.decode()
    assert f"{marked} dejará de admitir" in question.content.decode()
    assert "¿Desactivar Otorrinolaringología?" in translated.content.decode()
    assert "Otorrinolaringología" in doctor.content.decode() and ">ENT<" not in doctor.content.decode()
    assert "&lt;span" not in review + sent + question.content.decode()


def test_a_broadcast_to_every_department_counts_them_in_words(admin_client, department, make_department, make_token):
    make_token(department)
    make_token(make_department(name="ENT", code="ENT"))
    response = admin_client.post(
        reverse("adminpanel:api"), {"action": "broadcast", "message": "Clinic runs late."}, content_type="application/json"
    )
    assert response.json()["message"] == "Sent to 2 waiting patients (all departments)."


def test_a_filters_error_names_its_field_in_the_readers_words_and_is_linked_to_it(admin_client):
    """Reports and the audit log: a Spanish page said "End: La fecha final..." and "Date from: ...", and the error
    was neither linked from a summary nor tied to its input."""
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    reports = admin_client.get(reverse("adminpanel:reports"), {"start": "2026-03-10", "end": "2026-03-01"}, **spanish)
    audit = admin_client.get(reverse("adminpanel:audit"), {"date_from": "x"}, **spanish)

    for page, field in ((reports.content.decode(), "end"), (audit.content.decode(), "date_from")):
        label = "Hasta" if field == "end" else "Desde"
        assert re.search(rf'<a class="alert-link" href="#id_{field}">{label}: ', page)
        assert re.search(rf'<input class="form-control is-invalid" id="id_{field}"[^>]* aria-invalid="true" '
                         rf'aria-describedby="id_{field}_error">', page)
        assert f'id="id_{field}_error"' in page
        assert "End:" not in page and "Date from:" not in page


def test_a_languages_own_name_is_marked_with_its_language_in_the_panels_forms(admin_client, department, make_doctor):
    """On a Hindi page "Español में नाम" and the boards' "English" were read in a Hindi voice; the doctor's
    language list too (WCAG 3.1.2)."""
    hindi = {"HTTP_ACCEPT_LANGUAGE": "hi"}
    configuration = admin_client.get(reverse("adminpanel:configuration"), **hindi).content.decode()
    department_form = admin_client.get(reverse("adminpanel:department-edit", args=[department.pk]), **hindi)
    doctor_form = admin_client.get(reverse("adminpanel:doctor-edit", args=[make_doctor().pk]), **hindi)

    assert re.search(r'<input type="checkbox" name="board_languages" value="ar"[^>]*>\s*'
                     r'<span lang="ar" dir="rtl">العربية</span></label>', configuration)
    assert '<span lang="es" dir="ltr">Español</span> में नाम' in department_form.content.decode()
    assert re.search(r'<option value="ar" lang="ar" dir="rtl"[^>]*>العربية</option>', doctor_form.content.decode())


def current_pages(page):
    return re.findall(r'<a class="nav-link" href="([^"]+)" aria-current="page">([^<]+)</a>', page)


def test_the_navigation_bar_says_which_of_its_pages_is_open(admin_client, client, department):
    # aria-current: read as "current page", and underlined like a hovered link (smartqueue.css).
    departments = admin_client.get(reverse("adminpanel:departments"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert current_pages(departments) == [("/adminpanel/departments/", "Servicios")]
    new_department = admin_client.get(reverse("adminpanel:department-create")).content.decode()
    assert current_pages(new_department) == []

    client.logout()
    assert current_pages(client.get(reverse("patients:register")).content.decode()) == [
        ("/patients/register/", "Get a token")
    ]
    assert current_pages(client.get(reverse("doctors:login")).content.decode()) == [
        ("/doctors/login/", "Doctor sign-in")
    ]


def test_the_audit_log_names_a_message_texts_fields_and_template_in_the_readers_words(admin_client):
    install_default_templates()
    your_turn = NotificationTemplate.objects.get(template_type=NotificationTemplate.TemplateType.YOUR_TURN)
    spanish = your_turn.translations.get(language="es")
    saved = admin_client.post(reverse("adminpanel:message-text", args=[your_turn.pk, "es"]),
                              {"sms_template": spanish.sms_template, "whatsapp_template": "Es su turno: {token}."},
                              HTTP_ACCEPT_LANGUAGE="es", follow=True).content.decode()
    assert 'Se guardó Su turno en <span lang="es" dir="ltr">Español</span>.' in saved

    page = admin_client.get(reverse("adminpanel:audit"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    # The field by its label on the edit page ("WhatsApp text"), the template by its event, both in Spanish.
    assert "Texto de WhatsApp:" in page and "Whatsapp template" not in page
    assert 'Su turno en <span lang="es" dir="ltr">Español</span>' in page and "Your turn (" not in page


def test_django_admins_audit_log_says_its_actions_and_object_types_in_words(client, make_user, department):
    """Django admin listed, filtered and titled the audit log's rows by their codes: "auth.signed_in", "queue",
    "nurse: auth.signed_in user nurse", in every language."""
    nurse = make_user(username="nurse")
    record_audit(actor=None, action="auth.signed_in", target=nurse, after={"path": "/adminpanel/login/"})
    record_audit(actor=None, action="queue.registered", target=department)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "es"
    signed_in = AuditLog.objects.get(action="auth.signed_in", object_repr="nurse")

    listing = client.get("/admin/adminpanel/auditlog/").content.decode()
    row = client.get(f"/admin/adminpanel/auditlog/{signed_in.pk}/change/").content.decode()
    filtered = client.get("/admin/adminpanel/auditlog/?action__exact=queue.registered").content.decode()

    with translation.override("es"):
        signed_in_words, issued = str(AUDIT_ACTIONS["auth.signed_in"]), str(AUDIT_ACTIONS["queue.registered"])
    for page in (listing, row):
        assert signed_in_words in page and "auth.signed_in" not in re.sub(r'href="[^"]*"', "", page)
    assert ">Usuario<" in listing or ">usuario<" in listing
    assert f"sistema: {signed_in_words} · nurse" in row
    assert issued in filtered and signed_in_words not in re.sub(r"<(nav|div) id=\"changelist-filter\".*", "", filtered,
                                                                flags=re.S)


def test_a_group_of_check_boxes_in_the_panel_is_described_by_its_hint(admin_client):
    """The boards' languages were described by their error alone: the hint below the boxes (the languages a board
    cycles through, each call said in every one) was not read with the group."""
    configuration = admin_client.get(reverse("adminpanel:configuration")).content.decode()

    group = re.search(r'<fieldset class="mb-3" aria-describedby="([^"]*)">\s*<legend[^>]*>Languages', configuration)
    assert group and group.group(1).split() == ["id_board_languages_helptext"]
    assert 'id="id_board_languages_helptext"' in configuration


def test_what_a_panel_action_did_is_said_on_the_next_page_with_the_focus(admin_client, department, make_token):
    """The answer lands on the page the action goes back to, which loads anew: a role=status there is not read out by
    itself, so a screen reader started from the top with nothing said of the deactivation or the new priority."""
    entry = make_token(department)
    answers = [
        admin_client.post(reverse("adminpanel:department-deactivate", args=[department.pk]), follow=True),
        admin_client.post(reverse("adminpanel:visit-priority", args=[entry.pk]), {"priority": "high"}, follow=True),
    ]

    for answer in answers:
        page = answer.content.decode()
        assert re.search(r'<div class="alert alert-success" role="status" tabindex="-1" autofocus>[^<]+</div>', page)


def test_a_broadcast_counts_a_patient_waiting_in_two_departments_once_as_they_are_texted_once(
    admin_client, department, make_department, make_patient, make_token
):
    # The review promised "3 waiting patients" (tokens) while two people were texted (one per patient).
    from patients import services as queue_services

    both = make_patient(name="Ana Cough")
    queue_services.allocate_token(department=department, patient=both)
    queue_services.allocate_token(department=make_department(name="ENT", code="ENT"), patient=both)
    make_token(department)
    url = reverse("adminpanel:broadcast")

    review = admin_client.post(url, {"message": "Clinic runs late."}).content.decode()
    sent = admin_client.post(url, {"message": "Clinic runs late.", "confirmed": "yes"}, follow=True).content.decode()
    by_api = admin_client.post(
        reverse("adminpanel:api"),
        {"action": "broadcast", "message": "Clinic runs late."},
        content_type="application/json",
    )

    assert "Send to 2 waiting patients" in review
    assert "Sent to 2 waiting patients (all departments)." in sent
    assert by_api.json()["message"] == "Sent to 2 waiting patients (all departments)."


def test_working_hours_are_said_from_one_time_to_another_not_with_a_dash(admin_client, make_doctor, client):
    # "Monday 09:00–13:00" and "overlaps 09:00-12:00" were read "Monday 9 13" by screen readers, which leave dashes out.
    doctor = make_doctor()
    record_audit(actor=None, action="doctor.schedule", target=doctor, before={"intervals": []},
                 after={"intervals": [{"weekday": 0, "starts_at": "09:00", "ends_at": "13:00"}]})
    assert "Monday 09:00 to 13:00" in admin_client.get("/adminpanel/audit/").content.decode()

    client.force_login(doctor.user)
    rows = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0"}
    for index, (starts, ends) in enumerate([("09:00", "12:00"), ("11:00", "13:00")]):
        rows.update({f"form-{index}-weekday": "2", f"form-{index}-starts_at": starts, f"form-{index}-ends_at": ends})
    refused = client.post(reverse("doctors:schedule"), rows)
    assert refused.status_code == 400
    assert "overlaps 09:00 to 12:00." in refused.context["form"].forms[1].errors["starts_at"][0]
