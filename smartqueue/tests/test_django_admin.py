"""Django admin, every registered model: its pages answer a superuser, a blank form is refused field by field,
and a filled one is refused or saved, never saved half-empty into a 500."""

import re
from datetime import time, timedelta

import pytest
from django.contrib import admin
from django.forms import ModelChoiceField
from django.test import RequestFactory
from django.utils import timezone

from adminpanel.analytics import rollup_day
from adminpanel.models import AuditLog, DepartmentAnalytics
from doctors.models import Doctor
from patients import services as queue_services
from patients.models import Appointment, Patient, PatientFeedback, Queue, WaitAlert
from notifications.models import Notification, NotificationPreference, NumberOptOut, TemplateType
from notifications.services import prepare_queue_notification
from patients.selectors import latest_queue_snapshot
from smartqueue.admin_checks import AnnouncesItsChanges, CheckedModelAdmin
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def superuser(make_user):
    return make_user(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_admin_page_answers_and_its_add_form_refuses_or_saves_never_crashes(
    client, superuser, department, make_token, model
):
    make_token(department)  # A patient, a department and a visit for the forms' choices to name.
    client.force_login(superuser)
    changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    add_page = f"{changelist}add/"
    assert client.get(changelist, {"q": "x" * 300}).status_code == 200
    request = RequestFactory().get(add_page)
    request.user = superuser
    if not admin.site._registry[model].has_add_permission(request):
        assert client.get(add_page).status_code == 403
        return
    assert client.get(add_page).status_code == 200
    refused = client.post(add_page, {})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors, "a blank form was saved"
    # Every field given a value that passes most fields' checks (a row that exists, where it names one): refused
    # or saved, never half-saved into a 500.
    form_fields = admin.site._registry[model].get_form(request)().fields
    filled = {
        name: str(field.queryset.first().pk) if isinstance(field, ModelChoiceField) and field.queryset.exists() else "1"
        for name, field in form_fields.items()
    }
    assert client.post(add_page, filled).status_code in (200, 302)


# Year lookups a list may be given (on its list_filter's dates, its date_hierarchy) past the calendar's end: no
# date Python can bound a range with (smartqueue/admin_dates.py; a NUL is smartqueue/null_characters.py's).
UNQUERYABLE_FILTERS = [{"created_at__year": "99999"}, {"date__year": "10000"}, {"slot_start__year": "10000"}]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_admin_list_takes_a_filter_no_query_can_run_as_an_unknown_one(client, superuser, model):
    client.force_login(superuser)
    changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"

    for query in UNQUERYABLE_FILTERS:
        answer = client.get(changelist, query)
        assert answer.status_code in (200, 302), (query, answer.status_code)
        assert answer.status_code == 200 or answer["Location"].endswith("?e=1"), query
    assert client.get(changelist, {**UNQUERYABLE_FILTERS[0], "e": "1"}).status_code == 200


def test_every_project_admin_page_derives_from_the_checked_model_admin():
    own_apps = {"patients", "doctors", "notifications", "adminpanel"}
    unchecked = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in own_apps and not isinstance(model_admin, CheckedModelAdmin)
    ]
    assert not unchecked


def waiting_tokens(department):
    return [token["token"] for token in latest_queue_snapshot(department_id=department.pk)["waiting"]]


def inline_management_forms(page):
    """What a change page posts back for its inlines (the messages of a visit) left as they are."""
    forms = (inline.formset.management_form for inline in page.context["inline_admin_formsets"])
    return {form.add_prefix(name): value for form in forms for name, value in form.initial.items()}


def test_django_admin_moves_no_token_in_its_line_and_deletes_none(
    client, superuser, department, make_department, make_doctor, make_token
):
    """A token's department, priority, doctor and times change through the services that audit and publish;
    Django admin saved them behind the published queue's back, and a token it deleted stayed in the line."""
    make_doctor(department=department)
    first, second = make_token(department), make_token(department)
    assert waiting_tokens(department) == [first.token, second.token]
    client.force_login(superuser)
    change_page = f"/admin/patients/queue/{second.pk}/change/"

    page = client.get(change_page)
    editable = sorted(page.context["adminform"].form.fields)
    assert editable == ["consultation_notes", "notes", "notify_when_patients_ahead"]
    edited = {"notes": "X-rays", "priority": "emergency", "department": make_department().pk, "status": "completed"}
    saved = client.post(change_page, {**inline_management_forms(page), **edited})
    assert saved.status_code == 302
    second.refresh_from_db()
    assert (second.notes, second.priority, second.department_id, second.status) == (
        "X-rays",
        Queue.Priority.NORMAL,
        department.pk,
        Queue.Status.WAITING,
    )

    assert client.post(f"/admin/patients/queue/{first.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post("/admin/patients/queue/", {"action": "delete_selected", "_selected_action": [first.pk], "post": "yes"})
    assert Queue.objects.filter(pk=first.pk).exists()
    assert waiting_tokens(department) == [first.token, second.token]


def test_django_admin_moves_no_booking_and_deletes_none(client, superuser, clinic, make_department):
    booking = book(clinic, at(time(13, 30)))
    client.force_login(superuser)
    change_page = f"/admin/patients/appointment/{booking.pk}/change/"

    assert list(client.get(change_page).context["adminform"].form.fields) == ["notes"]
    saved = client.post(change_page, {"notes": "Wheelchair", "department": make_department().pk, "status": "cancelled"})
    assert saved.status_code == 302
    booking.refresh_from_db()
    kept = (booking.notes, booking.department_id, booking.status)
    assert kept == ("Wheelchair", clinic.pk, Appointment.Status.BOOKED)
    assert client.post(f"/admin/patients/appointment/{booking.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Appointment.objects.filter(pk=booking.pk).exists()


def test_django_admin_edits_only_a_ratings_comment_and_adds_or_deletes_none(client, superuser, department, make_token):
    """The reports roll each day up from its ratings as the patients gave them."""
    entry = make_token(department)
    feedback = PatientFeedback.objects.create(
        patient=entry.patient, queue_entry=entry, rating=2, comment="Dr. Rao was rude, call me on 555 0101"
    )
    client.force_login(superuser)
    change_page = f"/admin/patients/patientfeedback/{feedback.pk}/change/"

    assert list(client.get(change_page).context["adminform"].form.fields) == ["comment"]
    assert client.post(change_page, {"comment": "Rude.", "rating": 5}).status_code == 302
    feedback.refresh_from_db()
    assert (feedback.rating, feedback.comment) == (2, "Rude.")
    assert client.post(f"/admin/patients/patientfeedback/{feedback.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/patients/patientfeedback/add/").status_code == 403
    assert PatientFeedback.objects.filter(pk=feedback.pk).exists()


def test_django_admin_changes_adds_and_deletes_no_rolled_up_day(client, superuser, department, make_token):
    """The reports' estimate accuracy is read from the roll-up's rows: a figure typed here would read as measured."""
    make_token(department)
    today = timezone.localdate()
    rollup_day(day=today)
    row = DepartmentAnalytics.objects.get(department=department, date=today)
    client.force_login(superuser)
    change_page = f"/admin/adminpanel/departmentanalytics/{row.pk}/change/"

    assert client.get(change_page).status_code == 200
    edited = {"department": department.pk, "date": today, "registrations": 500}
    assert client.post(change_page, edited).status_code == 403
    assert client.post(f"/admin/adminpanel/departmentanalytics/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/adminpanel/departmentanalytics/add/").status_code == 403
    assert DepartmentAnalytics.objects.get(pk=row.pk).registrations == 1


@pytest.mark.parametrize(
    "model",
    [Queue, Appointment, WaitAlert, PatientFeedback, DepartmentAnalytics],
    ids=lambda model: model._meta.label,
)
def test_django_admin_offers_no_deletion_of_what_the_services_keep(rf, superuser, model):
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_django_admin_takes_no_doctor_off_duty_while_a_patient_is_with_them(
    client, superuser, department, make_doctor, make_token
):
    """As on the dashboard (doctors.services.set_availability): the called patient would be left with no doctor on
    duty in the wait estimates, and the doctor's own page would say they are offline with a patient in the room."""
    doctor = make_doctor(department=department)
    make_token(department)
    queue_services.call_next(doctor=doctor)
    client.force_login(superuser)
    change_page = f"/admin/doctors/doctor/{doctor.pk}/change/"
    form = client.get(change_page).context["adminform"].form
    posted = {name: form[name].value() for name in form.fields if form[name].value() is not None}

    refused = client.post(change_page, {**posted, "availability": Doctor.Availability.OFFLINE})

    assert refused.status_code == 200
    # Saying how a doctor who has left is freed (adminpanel's return_to_line), not only what the doctor does.
    assert "an administrator returns the patient to the line" in str(refused.context["adminform"].form.errors)
    doctor.refresh_from_db()
    assert doctor.availability == Doctor.Availability.AVAILABLE
    assert client.post(change_page, {**posted, "room": "Room 9"}).status_code == 302


def _change_form(client, page):
    form = client.get(page).context["adminform"].form
    return {name: form[name].value() for name in form.fields if form[name].value() is not None}


@pytest.mark.parametrize("typed", ["(212) 555-0147", "+1 212-555-0147"])
def test_a_phone_typed_in_django_admin_is_stored_as_every_lookup_by_number_reads_it(
    client, superuser, department, typed
):
    """A STOP kept for a number before it was a patient's then holds for the patient given it here, and a later
    registration with that number finds this patient instead of making a second one."""
    NumberOptOut.objects.create(phone="+12125550147")
    client.force_login(superuser)
    page = "/admin/patients/patient/add/"
    form = {**_change_form(client, page), "name": "Ana Ruiz", "age": "40", "gender": "female"}

    assert client.post(page, {**form, "phone": typed}).status_code == 302

    patient = Patient.objects.get(name="Ana Ruiz")
    assert patient.phone == "+12125550147"
    entry = queue_services.allocate_token(department=department, patient=patient, priority="normal")
    message = prepare_queue_notification(entry_id=entry.pk, template_type=TemplateType.REGISTRATION)
    assert (message.status, message.error_message) == (
        Notification.Status.SKIPPED_BY_PREFERENCE, "Patient opted out of messages."
    )
    refused = client.post(page, {**form, "name": "Ben Ruiz", "phone": "555"})
    assert "Enter a valid phone number" in str(refused.context["adminform"].form.errors["phone"])


def test_a_patients_phone_is_not_changed_in_django_admin_but_by_the_desks_correction(
    client, superuser, make_patient
):
    """Saved here, a corrected number left the stranger at the wrong one every link it was sent, and could take a
    number another patient holds: services.correct_phone is the one way (the panel's live queues)."""
    patient = make_patient(name="Ana Ruiz", phone="+12125550100")
    client.force_login(superuser)
    page = f"/admin/patients/patient/{patient.pk}/change/"

    assert "phone" not in _change_form(client, page)
    assert client.post(page, {**_change_form(client, page), "phone": "+12125550147"}).status_code == 302

    patient.refresh_from_db()
    assert patient.phone == "+12125550100"


@pytest.mark.parametrize(
    ("page", "field"),
    [("/admin/notifications/numberoptout/add/", "phone"), ("/admin/patients/department/add/", "on_call_phone")],
)
def test_other_phone_numbers_typed_in_django_admin_are_stored_in_e164(client, superuser, page, field):
    client.force_login(superuser)
    form = {"name": "Dermatology", "code": "DERM", "average_consultation_minutes": "10", "daily_capacity": "50"}
    assert client.post(page, {**form, field: "(212) 555-0147"}).status_code == 302
    model = client.get(page).context["adminform"].form._meta.model
    assert model.objects.filter(**{field: "+12125550147"}).exists()


def test_a_patient_whose_stored_number_the_check_would_refuse_can_still_be_edited(client, superuser, make_patient):
    """The demo data's fictional 555 numbers, or a number stored before the check: left as they are."""
    patient = make_patient(name="Ana Ruiz", phone="+15550100001")
    client.force_login(superuser)
    page = f"/admin/patients/patient/{patient.pk}/change/"

    assert client.post(page, {**_change_form(client, page), "name": "Ana María Ruiz"}).status_code == 302

    patient.refresh_from_db()
    assert (patient.name, patient.phone) == ("Ana María Ruiz", "+15550100001")


def _template_page_posted(client, page):
    """What a template's change page posts back, its inline translations included, left as they are."""
    shown = client.get(page)
    posted = {**_change_form(client, page), **inline_management_forms(shown)}
    for inline in shown.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            posted.update({form.add_prefix(name): form[name].value() for name in form.fields if form[name].value()})
    return posted


@pytest.mark.parametrize("how", ["saved since the page was shown", "management form lowered"])
def test_a_template_translation_duplicating_a_stored_one_is_refused_not_a_500(client, superuser, how):
    from notifications.defaults import install_default_templates
    from notifications.models import NotificationTemplateTranslation

    install_default_templates()
    translation = NotificationTemplateTranslation.objects.filter(language="es").select_related("template").first()
    template = translation.template
    client.force_login(superuser)
    page = f"/admin/notifications/notificationtemplate/{template.pk}/change/"
    if how == "saved since the page was shown":
        translation.delete()
        posted = _template_page_posted(client, page)
        shown = int(posted["translations-TOTAL_FORMS"])
        posted.update({"translations-TOTAL_FORMS": shown + 1, f"translations-{shown}-language": "es"})
        posted[f"translations-{shown}-sms_template"] = "Su turno {token}."
        NotificationTemplateTranslation.objects.create(template=template, language="es", sms_template="Turno {token}.")
    else:
        posted = {**_template_page_posted(client, page), "translations-INITIAL_FORMS": 0}
    stored = sorted(template.translations.values_list("pk", "language", "sms_template"))

    refused = client.post(page, posted)

    assert refused.status_code == 200
    assert any(form.non_field_errors() for form in refused.context["inline_admin_formsets"][0].formset.forms)
    assert sorted(template.translations.values_list("pk", "language", "sms_template")) == stored


def test_django_admins_sign_in_page_is_headed_by_its_title(client, db):
    """Django's sign-in page had no heading at all (axe's page-has-heading-one): a screen reader's list of headings
    was empty, and the page's name came only from the tab."""
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert re.findall(r"<h1>(.*?)</h1>", page) == ["Iniciar sesión"]


def test_every_admin_page_of_the_hospitals_records_and_accounts_announces_what_it_changes_to_the_audit_log():
    audited_apps = {"patients", "doctors", "notifications", "adminpanel", "auth"}
    unannounced = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in audited_apps and not isinstance(model_admin, AnnouncesItsChanges)
    ]
    assert not unannounced


def test_a_department_edited_in_django_admin_is_audited_as_in_the_panel(client, superuser, department):
    client.force_login(superuser)
    change_page = f"/admin/patients/department/{department.pk}/change/"
    posted = _change_form(client, change_page)

    answer = client.post(change_page, {**posted, "daily_capacity": 40, "room": "B-12"}, REMOTE_ADDR="10.9.8.7")

    assert answer.status_code == 302
    entry = AuditLog.objects.get(action="django_admin.updated")
    assert (entry.actor, entry.object_type, entry.object_id, entry.ip_address) == (
        superuser,
        "department",
        str(department.pk),
        "10.9.8.7",
    )
    assert (entry.before, entry.after) == ({"daily_capacity": None, "room": ""}, {"daily_capacity": 40, "room": "B-12"})
    page = client.get("/adminpanel/audit/").content.decode()
    assert "Edited in Django admin" in page


def test_an_account_added_and_a_doctor_deleted_in_django_admin_are_audited_without_the_password(
    client, superuser, department, make_doctor
):
    doctor = make_doctor(department=department)
    client.force_login(superuser)

    client.post(
        "/admin/auth/user/add/",
        {"username": "nurse.lee", "password1": "a-Long-pass-4821", "password2": "a-Long-pass-4821"},
    )
    client.post(f"/admin/doctors/doctor/{doctor.pk}/delete/", {"post": "yes"})

    added = AuditLog.objects.get(action="django_admin.created", object_type="user")
    assert added.object_repr == "nurse.lee" and "a-Long-pass-4821" not in str(added.after)
    assert "password" not in added.after
    deleted = AuditLog.objects.get(action="django_admin.deleted", object_type="doctor")
    assert (deleted.object_id, deleted.object_repr) == (str(doctor.pk), str(doctor))


def test_a_patients_number_typed_in_django_admin_reaches_the_audit_log_by_its_last_four_digits_only(
    client, superuser, make_user, make_patient
):
    """Every panel administrator reads the audit log, where the desk's correction of a number keeps it masked: an
    opted-out number added, a new patient added and a patient deleted in Django admin kept the whole number there, in
    the values and in the record's name ("Ana Ruiz (+12125550147)")."""
    from adminpanel.models import AdminUser

    leaving = make_patient(name="Cy Ruiz", phone="+12125550133")
    client.force_login(superuser)
    client.post("/admin/notifications/numberoptout/add/", {"phone": "+12125550166"})
    page = "/admin/patients/patient/add/"
    client.post(page, {**_change_form(client, page), "name": "Ana Ruiz", "age": "40", "phone": "+12125550147"})
    client.post(f"/admin/patients/patient/{leaving.pk}/delete/", {"post": "yes"})
    manager = make_user(username="manager")
    AdminUser.objects.create(user=manager)
    client.force_login(manager)

    rows = AuditLog.objects.filter(action__startswith="django_admin.")
    assert rows.count() == 3
    stored = " ".join(f"{row.object_repr} {row.before} {row.after}" for row in rows)
    shown = client.get("/adminpanel/audit/").content.decode()
    for number in ("+12125550166", "+12125550147", "+12125550133"):
        assert number not in stored and number not in shown
        assert "\u2022" * 6 + number[-4:] in shown


def test_a_message_texts_translation_edited_and_deleted_in_django_admin_is_audited(client, superuser):
    from notifications.defaults import install_default_templates
    from notifications.models import NotificationTemplateTranslation

    install_default_templates()
    template = NotificationTemplateTranslation.objects.filter(language="es").first().template
    client.force_login(superuser)
    page = f"/admin/notifications/notificationtemplate/{template.pk}/change/"
    posted = _template_page_posted(client, page)
    shown = range(int(posted["translations-TOTAL_FORMS"]))
    rows = {posted[f"translations-{index}-language"]: index for index in shown}
    posted[f"translations-{rows['es']}-sms_template"] = "Su turno es {token}."
    posted[f"translations-{rows['ar']}-DELETE"] = "on"

    assert client.post(page, posted).status_code == 302

    edited = AuditLog.objects.get(action="django_admin.updated", object_type="notificationtemplatetranslation")
    assert edited.after == {"sms_template": "Su turno es {token}."}
    deleted = AuditLog.objects.filter(action="django_admin.deleted", object_type="notificationtemplatetranslation")
    assert deleted.exists()


def test_an_accounts_password_set_in_django_admin_is_audited(client, superuser, make_user):
    nurse = make_user(username="nurse.lee")
    client.force_login(superuser)

    answer = client.post(
        f"/admin/auth/user/{nurse.pk}/password/",
        {"password1": "a-Long-pass-4821", "password2": "a-Long-pass-4821"},
        REMOTE_ADDR="10.9.8.7",
    )

    assert answer.status_code == 302
    entry = AuditLog.objects.get(action="auth.password_changed")
    assert (entry.actor, entry.object_id, entry.ip_address) == (superuser, str(nurse.pk), "10.9.8.7")
    assert "a-Long-pass-4821" not in str(entry.after)


def test_a_patient_renamed_in_django_admin_is_announced_with_their_token_as_the_desks_correction_is(
    client, superuser, department, make_token, django_capture_on_commit_callbacks
):
    """Through the core's hook: the token's audit row, and the dashboards listing the patient redraw."""
    entry = make_token(department, name="Ana Ruiz")
    client.force_login(superuser)
    page = f"/admin/patients/patient/{entry.patient.pk}/change/"

    with django_capture_on_commit_callbacks() as published:
        client.post(page, {**_change_form(client, page), "name": "Ana María Ruiz"})

    corrected = AuditLog.objects.get(action="queue.details_corrected", object_id=str(entry.pk))
    assert (corrected.before["name"], corrected.after["name"]) == ("Ana Ruiz", "Ana María Ruiz")
    assert published


def test_a_visits_notes_and_notice_edited_in_django_admin_are_announced_as_the_desks_and_the_patients_are(
    client, superuser, department, make_token
):
    """Through the core's hook: audited with the visit, on the doctor's dashboard at once, and the messages look
    again at whether the patient is now close enough to be told."""
    entry = make_token(department)
    client.force_login(superuser)
    change_page = f"/admin/patients/queue/{entry.pk}/change/"
    page = client.get(change_page)

    client.post(change_page, {**inline_management_forms(page), "notes": "X-rays", "notify_when_patients_ahead": 2})

    events = AuditLog.objects.filter(object_id=str(entry.pk)).values_list("action", flat=True)
    assert {"queue.notes_added", "queue.notice_chosen"} <= set(events)
    entry.refresh_from_db()
    assert (entry.notes, entry.notify_when_patients_ahead) == ("X-rays", 2)


@pytest.mark.parametrize(
    "moved_on", [{"status": Queue.Status.CALLED}, {"token_date": timezone.localdate() - timedelta(days=1)}],
    ids=["called", "of-a-day-over"],
)
def test_a_visits_notice_is_chosen_in_django_admin_only_as_the_patient_may_choose_it(
    client, superuser, department, make_token, moved_on
):
    """While the token waits, on its own day (services.check_notice_choosable): chosen for a token already called or
    of a day over, the messages would look again at a line it is no longer in. Refused beside the field, the page's
    other edits kept out too."""
    entry = make_token(department)
    Queue.objects.filter(pk=entry.pk).update(**moved_on)
    client.force_login(superuser)
    change_page = f"/admin/patients/queue/{entry.pk}/change/"
    page = client.get(change_page)

    refused = client.post(
        change_page, {**inline_management_forms(page), "notes": "X-rays", "notify_when_patients_ahead": 3}
    )

    assert refused.status_code == 200
    assert list(refused.context["adminform"].form.errors) == ["notify_when_patients_ahead"]
    entry.refresh_from_db()
    assert (entry.notes, entry.notify_when_patients_ahead) == ("", None)
    assert not AuditLog.objects.filter(object_id=str(entry.pk), action__in=["queue.notes_added", "queue.notice_chosen"])


def test_a_notice_refused_after_the_admin_pages_checks_stores_none_of_the_pages_edits(
    department, make_token, superuser
):
    """The token called between the page's checks and its save: the service refuses it as the page would."""
    entry = make_token(department)
    Queue.objects.filter(pk=entry.pk).update(status=Queue.Status.CALLED)

    with pytest.raises(queue_services.QueueError):
        queue_services.save_edited_visit_details(
            entry=entry, changes={"notes": "X-rays", "notify_when_patients_ahead": 3}, actor=superuser
        )

    entry.refresh_from_db()
    assert (entry.notes, entry.notify_when_patients_ahead) == ("", None)


def test_a_token_called_while_its_admin_page_is_saved_has_its_notice_refused_beside_the_field_not_a_500(
    client, superuser, department, make_token, monkeypatch
):
    entry = make_token(department)
    client.force_login(superuser)
    change_page = f"/admin/patients/queue/{entry.pk}/change/"
    page = client.get(change_page)
    real_check, checks = queue_services.check_visit_detail_editable, []

    def called_after_the_first_check(entry, field, value):
        checks.append(field)
        if len(checks) > 1:
            Queue.objects.filter(pk=entry.pk).update(status=Queue.Status.CALLED)
            entry.refresh_from_db()
        real_check(entry, field, value)

    monkeypatch.setattr(queue_services, "check_visit_detail_editable", called_after_the_first_check)
    refused = client.post(change_page, {**inline_management_forms(page), "notify_when_patients_ahead": 3})

    assert refused.status_code == 200
    assert list(refused.context["adminform"].form.errors) == ["notify_when_patients_ahead"]
    entry.refresh_from_db()
    assert entry.notify_when_patients_ahead is None


@pytest.mark.parametrize("status", [Queue.Status.WAITING, Queue.Status.IN_CONSULTATION, Queue.Status.CANCELLED])
def test_consultation_notes_are_written_in_django_admin_only_of_a_completed_consultation(
    client, superuser, department, make_token, status
):
    """As the doctor writes them, at the consultation's end: typed before, the doctor's replaced them; typed for a
    cancelled token, they noted a consultation that never was. Those of a completed one may still be corrected."""
    entry = make_token(department)
    Queue.objects.filter(pk=entry.pk).update(status=status)
    client.force_login(superuser)
    change_page = f"/admin/patients/queue/{entry.pk}/change/"
    page = client.get(change_page)

    refused = client.post(change_page, {**inline_management_forms(page), "consultation_notes": "Rest a week."})

    assert refused.status_code == 200
    assert list(refused.context["adminform"].form.errors) == ["consultation_notes"]
    entry.refresh_from_db()
    assert entry.consultation_notes == ""

    Queue.objects.filter(pk=entry.pk).update(status=Queue.Status.COMPLETED)
    page = client.get(change_page)
    corrected = client.post(change_page, {**inline_management_forms(page), "consultation_notes": "Rest a week."})
    assert corrected.status_code == 302
    entry.refresh_from_db()
    assert entry.consultation_notes == "Rest a week."


def test_a_stop_is_lifted_by_the_patients_start_only_not_in_django_admin(client, superuser, make_patient):
    """Unticked, deleted or moved to another patient or number there, the patient who texted STOP was texted again
    (notifications.services.is_opted_out); recording a STOP given otherwise stays possible."""
    patient, other = make_patient(phone="+12125550100"), make_patient(phone="+12125550101")
    preference = NotificationPreference.objects.create(patient=patient, opted_out=True)
    stopped_number = NumberOptOut.objects.create(phone="+12125550147")
    client.force_login(superuser)
    page = f"/admin/notifications/notificationpreference/{preference.pk}/change/"

    client.post(page, {**_change_form(client, page), "patient": other.pk})  # opted_out left unticked
    client.post(f"{page[:-len('change/')]}delete/", {"post": "yes"})
    number_page = f"/admin/notifications/numberoptout/{stopped_number.pk}/"
    client.post(f"{number_page}change/", {"phone": "+12125550199"})
    client.post(f"{number_page}delete/", {"post": "yes"})
    for model in (NotificationPreference, NumberOptOut):
        client.post(
            f"/admin/notifications/{model._meta.model_name}/",
            {"action": "delete_selected", "_selected_action": [model.objects.get().pk], "post": "yes"},
        )

    preference.refresh_from_db()
    assert (preference.patient, preference.opted_out) == (patient, True)
    assert list(NumberOptOut.objects.values_list("phone", flat=True)) == ["+12125550147"]
    started = NotificationPreference.objects.create(patient=other)
    other_page = f"/admin/notifications/notificationpreference/{started.pk}/change/"
    assert client.post(other_page, {**_change_form(client, other_page), "opted_out": "on"}).status_code == 302
    started.refresh_from_db()
    assert started.opted_out


def test_a_doctor_keeps_their_account_in_django_admin_as_in_the_panel(
    client, superuser, department, make_doctor, make_user
):
    doctor, other_account = make_doctor(department=department), make_user()
    own_account = doctor.user
    client.force_login(superuser)
    page = f"/admin/doctors/doctor/{doctor.pk}/change/"

    assert "user" not in _change_form(client, page)
    assert client.post(page, {**_change_form(client, page), "user": other_account.pk}).status_code == 302

    doctor.refresh_from_db()
    assert doctor.user == own_account


def test_a_department_deactivated_or_reactivated_in_django_admin_is_audited_as_the_panels(
    client, superuser, make_department
):
    department = make_department(name="Dermatology", code="DERM")
    client.force_login(superuser)
    page = f"/admin/patients/department/{department.pk}/change/"

    form = _change_form(client, page)
    form.pop("is_active")
    form["room"] = "Room 12"
    client.post(page, form)
    client.post(page, {**_change_form(client, page), "is_active": "on"})

    rows = list(AuditLog.objects.filter(object_type="department").order_by("pk").values_list("action", "after"))
    assert ("department.deactivated", {"is_active": False}) in rows
    assert ("department.reactivated", {"is_active": True}) in rows
    assert ("django_admin.updated", {"room": "Room 12"}) in rows
    assert not any("is_active" in after for action, after in rows if action.startswith("django_admin."))
