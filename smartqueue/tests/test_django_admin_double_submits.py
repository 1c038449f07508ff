"""Second input fuzz run: a Django admin add form submitted twice at once. Both passed the form's unique checks
before either saved; the second met the database's unique constraint, a 500. It is shown again, refused beside
the field. PostgreSQL: the twin is saved by another connection, committed, as the other submit's is."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from conftest import requires_postgresql
from patients.models import Patient

PHONE = "+14155550177"


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_patient_added_twice_at_once_is_refused_naming_the_phone(client, make_user, monkeypatch):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    save = Patient.save

    def save_after_the_other_submit(patient, *args, **kwargs):
        if patient.pk is None and not Patient.objects.filter(phone=PHONE).exists():
            other_submit = threading.Thread(target=save_the_twin)
            other_submit.start()
            other_submit.join()
        return save(patient, *args, **kwargs)

    def save_the_twin():
        try:
            save(Patient(name="Twin", phone=PHONE, age=30))
        finally:
            connection.close()

    monkeypatch.setattr(Patient, "save", save_after_the_other_submit)

    response = client.post(
        "/admin/patients/patient/add/",
        {"name": "Twin", "phone": PHONE, "age": 30, "gender": "female", "language": "en"},
    )

    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert Patient.objects.filter(phone=PHONE).count() == 1


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_user_added_twice_at_once_is_refused_naming_the_username(client, make_user, monkeypatch):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    save = User.save

    def save_after_the_other_submit(user, *args, **kwargs):
        if user.pk is None and not User.objects.filter(username="twin").exists():
            other_submit = threading.Thread(target=save_the_twin)
            other_submit.start()
            other_submit.join()
        return save(user, *args, **kwargs)

    def save_the_twin():
        try:
            save(User(username="twin"))
        finally:
            connection.close()

    monkeypatch.setattr(User, "save", save_after_the_other_submit)

    password = "a-long-unusual-passphrase-9"
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "twin", "password1": password, "password2": password, "usable_password": "true"},
    )

    assert response.status_code == 200
    assert "username" in response.context["adminform"].form.errors
    assert User.objects.filter(username="twin").count() == 1
