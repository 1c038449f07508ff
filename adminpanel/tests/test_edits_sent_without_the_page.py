"""Second input fuzz run: an edit posted without the values its page shows (a script, a page of an older
version) set every field of the form, so each field it left out was blanked: the department's or doctor's
description, room, translations and on-call phone lost, and the record deactivated (its bookings cancelled)."""

from urllib.parse import urlencode

from doctors.models import Doctor
from patients.models import Department

ENT = {
    "name": "ENT",
    "code": "ENT",
    "description": "Ear, nose and throat",
    "room": "Room 6",
    "average_consultation_minutes": 8,
    "daily_capacity": 50,
    "wait_alert_minutes": 30,
    "on_call_phone": "+14155550123",
    "translations": {"es": {"name": "Otorrinolaringología", "room": "Sala 6"}},
}


def test_a_department_edit_sent_without_the_page_changes_only_the_fields_it_sends(admin_client, make_department):
    ent = make_department(**ENT)

    response = admin_client.post(f"/adminpanel/departments/{ent.pk}/edit/", {**{k: ENT[k] for k in ("name", "code")},
                                                                            "average_consultation_minutes": 15})

    assert response.status_code == 302
    stored = Department.objects.get(pk=ent.pk)
    assert stored.average_consultation_minutes == 15
    assert stored.is_active
    assert [stored.description, stored.room, stored.daily_capacity, stored.wait_alert_minutes] == [
        ENT["description"], ENT["room"], 50, 30
    ]
    assert (stored.on_call_phone, stored.translations) == (ENT["on_call_phone"], ENT["translations"])


def test_a_doctor_edit_sent_without_the_page_changes_only_the_fields_it_sends(
    admin_client, make_doctor, make_department
):
    doctor = make_doctor(specialization="Otology", room="Room 6", translations={"es": {"room": "Sala 6"}})
    other = make_department()

    response = admin_client.post(f"/adminpanel/doctors/{doctor.pk}/edit/", {"department": other.pk})

    assert response.status_code == 302
    stored = Doctor.objects.get(pk=doctor.pk)
    assert stored.department == other
    assert (stored.specialization, stored.room, stored.translations, stored.is_active) == (
        "Otology", "Room 6", {"es": {"room": "Sala 6"}}, True
    )


def test_a_department_edit_giving_a_field_twice_is_refused_naming_it_and_changes_nothing(admin_client, make_department):
    ent = make_department(**ENT)
    body = urlencode({"name": ["ENT", "Ear clinic"], "code": "ENT", "average_consultation_minutes": 15}, doseq=True)

    response = admin_client.post(f"/adminpanel/departments/{ent.pk}/edit/", body,
                                 content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ['"Name" is given more than once.']
    stored = Department.objects.get(pk=ent.pk)
    assert (stored.name, stored.average_consultation_minutes) == ("ENT", 8)
