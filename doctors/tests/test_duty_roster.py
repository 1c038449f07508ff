from datetime import time, timedelta

from django.utils import timezone

from doctors.models import DoctorAbsence, DoctorSchedule
from patients.selectors import consultation_pace


def test_a_doctor_absent_today_is_not_counted_on_by_the_wait_estimates(department, make_doctor, clock):
    today = timezone.localdate()
    present, absent, absent_tomorrow = (make_doctor(department=department) for _ in range(3))
    for doctor in (present, absent, absent_tomorrow):
        DoctorSchedule.objects.create(doctor=doctor, weekday=today.weekday(), starts_at=time(8), ends_at=time(17))
    DoctorAbsence.objects.create(doctor=absent, day=today, reason="Training")
    DoctorAbsence.objects.create(doctor=absent_tomorrow, day=today + timedelta(days=1))

    pace = consultation_pace(department=department)

    assert sorted(doctor.doctor_id for doctor in pace.roster) == sorted([present.pk, absent_tomorrow.pk])
    assert pace.doctors_on_duty == 2
