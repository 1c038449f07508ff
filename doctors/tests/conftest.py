import pytest


@pytest.fixture
def doctor(department, make_doctor):
    return make_doctor(department=department)


@pytest.fixture
def doctor_client(client, doctor):
    client.force_login(doctor.user)
    return client
