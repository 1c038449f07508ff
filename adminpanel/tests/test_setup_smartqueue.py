from datetime import time, timedelta

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from adminpanel.models import AdminUser, AuditLog, SystemConfiguration
from doctors.models import Doctor
from notifications.models import NotificationTemplate
from patients import services
from patients.appointments import available_slots
from patients.models import Department, Patient, Queue
from smartqueue.i18n import listed


def table_counts():
    models = [Department, Doctor, Patient, Queue, AdminUser, AuditLog, NotificationTemplate, get_user_model()]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def development(settings):
    settings.DEBUG = True


@pytest.mark.django_db
def test_demo_data_creates_the_documented_accounts_and_a_morning_of_visits(development):
    call_command("setup_smartqueue", "--demo-data", verbosity=0)

    assert Department.objects.filter(is_active=True).count() >= 5
    assert authenticate(username="dr.smith", password="doctor123").doctor.department.code == "CARD"
    assert AdminUser.objects.filter(user=authenticate(username="admin.manager", password="admin123")).exists()
    assert authenticate(username="admin", password="admin123").is_superuser
    states = set(Queue.objects.values_list("status", flat=True))
    assert {"waiting", "called", "in_consultation", "completed", "skipped", "cancelled"} <= states
    assert set(Queue.objects.values_list("priority", flat=True)) == {"normal", "high", "emergency"}
    assert SystemConfiguration.objects.count() == 1
    assert set(NotificationTemplate.objects.values_list("template_type", flat=True)) == set(
        NotificationTemplate.TemplateType.values
    ) - {"custom"}


@pytest.mark.django_db
def test_the_desk_registering_the_demos_no_show_again_puts_them_back_in_line(development, client):
    # The demo's +1 555 numbers were refused by the registration form: a returning demo patient could not be played.
    call_command("setup_smartqueue", "--demo-data", verbosity=0)
    missed = Queue.objects.get(status=Queue.Status.SKIPPED, department__code="CARD")
    client.force_login(authenticate(username="admin.manager", password="admin123"))

    answer = client.post(
        "/patients/api/register/",
        {
            "name": missed.patient.name,
            "phone": missed.patient.phone,
            "age": missed.patient.age,
            "department": missed.department_id,
        },
        content_type="application/json",
    )

    assert answer.status_code == 200, answer.json()
    missed.refresh_from_db()
    assert missed.status == Queue.Status.WAITING


@pytest.mark.django_db
def test_demo_doctors_have_weekly_hours_so_the_booking_pages_offer_slots(development):
    call_command("setup_smartqueue", "--demo-data", verbosity=0)

    next_monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    cardiology = Department.objects.get(code="CARD")
    starts = [slot.start.time() for slot in available_slots(department=cardiology, day=next_monday) if slot.free]

    assert starts[0] == time(9) and time(14) in starts
    assert not [start for start in starts if time(13) <= start < time(14) or start >= time(17)]


@pytest.mark.django_db
def test_running_it_twice_changes_nothing(development):
    call_command("setup_smartqueue", "--demo-data", verbosity=0)
    first = table_counts()
    statuses = list(Queue.objects.order_by("pk").values_list("pk", "status", "called_at"))

    call_command("setup_smartqueue", "--demo-data", verbosity=0)

    assert table_counts() == first
    assert list(Queue.objects.order_by("pk").values_list("pk", "status", "called_at")) == statuses


@pytest.mark.django_db
def test_known_passwords_are_refused_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("setup_smartqueue", "--demo-data", verbosity=0)
    assert not get_user_model().objects.exists()

    call_command("setup_smartqueue", "--demo-data", "--force", verbosity=0)
    assert get_user_model().objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_force_without_demo_data_is_refused_naming_it_and_installs_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force only applies with --demo-data"):
        call_command("setup_smartqueue", "--force", verbosity=0)

    assert not SystemConfiguration.objects.exists()
    assert not NotificationTemplate.objects.exists()


@pytest.mark.django_db
def test_without_demo_data_only_configuration_is_installed(settings):
    settings.DEBUG = False

    call_command("setup_smartqueue", verbosity=0)

    assert SystemConfiguration.objects.count() == 1
    assert not get_user_model().objects.exists()


def demo_doctor(username):
    return Doctor.objects.get(user__username=username)


@pytest.mark.django_db
def test_demo_data_loaded_just_after_midnight_keeps_its_morning_within_today(development, clock):
    clock.shift(-timedelta(hours=11, minutes=20))  # 00:40

    call_command("setup_smartqueue", "--demo-data", verbosity=0)

    today, now = timezone.localdate(), timezone.now()
    for entry in Queue.objects.all():
        moments = [entry.checked_in_at, entry.called_at, entry.started_at, entry.completed_at, entry.skipped_at]
        assert all(timezone.localdate(moment) == today and moment <= now for moment in moments if moment), entry


@pytest.mark.django_db
def test_a_later_day_gets_its_own_morning_and_closes_the_consultations_left_open(development, clock):
    call_command("setup_smartqueue", "--demo-data", verbosity=0)
    first_day = timezone.localdate()
    left_open = list(Queue.objects.filter(status__in=["called", "in_consultation"]).values_list("pk", flat=True))
    assert left_open

    clock.shift(timedelta(days=1))
    call_command("setup_smartqueue", "--demo-data", verbosity=0)

    today = timezone.localdate()
    assert Queue.objects.filter(token_date=today).count() == Queue.objects.filter(token_date=first_day).count()
    assert not Queue.objects.filter(token_date=first_day, status__in=["called", "in_consultation"]).exists()
    assert set(Queue.objects.filter(pk__in=left_open).values_list("status", flat=True)) == {"skipped", "completed"}
    for closed in Queue.objects.filter(pk__in=left_open, status="completed"):
        # Finished at the department's pace on its own day, not a day later: that day's reports stay true.
        pace = timedelta(minutes=closed.department.average_consultation_minutes)
        assert closed.completed_at - closed.started_at == pace
    assert {"called", "in_consultation", "completed"} <= set(
        Queue.objects.filter(token_date=today).values_list("status", flat=True)
    )


@pytest.mark.django_db
def test_a_doctor_with_a_patient_called_today_keeps_them(development, clock):
    call_command("setup_smartqueue", "--demo-data", verbosity=0)
    clock.shift(timedelta(days=1))
    smith = demo_doctor("dr.smith")
    services.complete_consultation(entry=services.current_patient_of(smith))
    walk_in = services.register_visit(
        department=smith.department, name="Real Patient", phone="+15550999999", age=40, gender="female"
    ).entry
    services.call_next(doctor=smith)

    call_command("setup_smartqueue", "--demo-data", verbosity=0)

    assert services.current_patient_of(smith) == walk_in
    cardiology_demo = Queue.objects.filter(token_date=timezone.localdate(), department=smith.department).exclude(
        pk=walk_in.pk
    )
    assert set(cardiology_demo.values_list("status", flat=True)) == {"waiting"}


@pytest.mark.django_db
def test_a_visit_the_services_refuse_stops_the_command_naming_the_token(development, monkeypatch):
    def refuse(*, entry, doctor):
        raise services.QueueError("Refused.")

    monkeypatch.setattr(services, "call_patient", refuse)

    with pytest.raises(CommandError, match=r"CARD-001 .*Refused\."):
        call_command("setup_smartqueue", "--demo-data", verbosity=0)


@pytest.mark.django_db
def test_demo_departments_an_admin_deactivated_or_filled_get_no_visits_and_the_command_runs(development):
    """make run loads the demo data on every start: a department deactivated, or given a capacity it has used up,
    stopped it with the services' traceback."""
    Department.objects.create(name="General Medicine", code="GEN", room="Room 1", is_active=False)
    Department.objects.create(name="Cardiology", code="CARD", room="Room 2", daily_capacity=2)

    call_command("setup_smartqueue", "--demo-data", verbosity=0)

    today = timezone.localdate()
    assert not Queue.objects.filter(department__code="GEN").exists()
    # Its routine visits stop at the capacity; the demo's emergency is registered all the same.
    assert list(
        Queue.objects.filter(department__code="CARD", token_date=today).order_by("token_number").values_list(
            "priority", flat=True
        )
    ) == ["normal", "high", "emergency"]
    assert Queue.objects.filter(department__code="PED", token_date=today).count() == 3
    assert not Department.objects.get(code="GEN").is_active
    assert not Doctor.objects.filter(department__code="GEN").exists()


@pytest.mark.django_db
def test_demo_visits_of_a_doctor_deactivated_or_moved_stay_waiting(development, clock):
    """The demo calls each department's patients through its demo doctor; one an admin deactivated or moved to
    another department stopped the command (the services rightly refuse them) or called another department's
    patients."""
    call_command("setup_smartqueue", "--demo-data", verbosity=0)
    clock.shift(timedelta(days=1))
    patel, garcia = demo_doctor("dr.patel"), demo_doctor("dr.garcia")
    Doctor.objects.filter(pk=patel.pk).update(is_active=False)
    Doctor.objects.filter(pk=garcia.pk).update(department=Department.objects.get(code="ENT"))

    call_command("setup_smartqueue", "--demo-data", verbosity=0)

    today = Queue.objects.filter(token_date=timezone.localdate())
    left = today.filter(department__code__in=["GEN", "PED"])
    assert set(left.values_list("status", flat=True)) == {"waiting", "cancelled"}
    assert not left.exclude(doctor=None).exists()
    cardiology = set(today.filter(department__code="CARD").values_list("status", flat=True))
    assert {"in_consultation", "completed"} <= cardiology


@pytest.mark.django_db
def test_each_demo_department_reads_as_one_in_a_list_in_every_language(development):
    call_command("setup_smartqueue", "--demo-data", verbosity=0)
    # The Hindi ENT, "नाक, कान, गला", made "no doctor is back today in: हृदय रोग, नाक, कान, गला" four departments.
    for department in Department.objects.all():
        for language, fields in {"en": {"name": department.name}, **department.translations}.items():
            with translation.override(language):
                comma = listed(["", ""])
            assert comma not in fields["name"], (language, fields["name"])
