import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from adminpanel.models import AdminUser, AuditLog, SystemConfiguration
from doctors.models import Doctor
from notifications.models import NotificationTemplate
from patients.models import Department, Patient, Queue


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
def test_without_demo_data_only_configuration_is_installed(settings):
    settings.DEBUG = False

    call_command("setup_smartqueue", verbosity=0)

    assert SystemConfiguration.objects.count() == 1
    assert not get_user_model().objects.exists()
