"""A saved system configuration is published to every active department, as department and doctor saves are."""

from adminpanel.models import SystemConfiguration
from patients import published


def test_saving_the_configuration_publishes_every_active_department(
    make_department, django_capture_on_commit_callbacks
):
    open_departments = [make_department(), make_department()]
    closed = make_department(is_active=False)
    for department in (*open_departments, closed):
        # Numbered once already: a department's first number in Redis starts from Redis's clock (patients.published).
        published.next_sequence(department.pk)
    before = {department.pk: published.current_sequence(department.pk) for department in (*open_departments, closed)}

    configuration = SystemConfiguration.load()
    configuration.notify_when_patients_ahead = 5
    with django_capture_on_commit_callbacks(execute=True):
        configuration.save()

    assert [published.current_sequence(d.pk) - before[d.pk] for d in open_departments] == [1, 1]
    assert published.current_sequence(closed.pk) == before[closed.pk]
