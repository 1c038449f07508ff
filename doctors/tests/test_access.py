from doctors.access import active_doctor
from doctors.models import Doctor
from patients.tests.model_helpers import as_loaded


def test_a_signed_in_doctor_is_read_with_department_and_user_as_the_orm_reads_them(
    make_doctor, django_assert_num_queries
):
    doctor = make_doctor()

    with django_assert_num_queries(1):
        found = active_doctor(doctor.user)
        loaded = as_loaded(found)

    assert loaded == as_loaded(Doctor.objects.select_related("department", "user").get(pk=doctor.pk))
    assert set(found._state.fields_cache) == {"department", "user"}


def test_no_doctor_is_found_for_an_inactive_profile_an_inactive_account_or_a_user_who_is_no_doctor(
    make_doctor, make_user
):
    assert active_doctor(make_doctor(is_active=False).user) is None
    assert active_doctor(make_user()) is None
    user = make_doctor().user
    user.is_active = False
    assert active_doctor(user) is None
