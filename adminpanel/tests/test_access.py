"""Every page and endpoint of the doctor dashboard and the admin panel, with every role."""

import pytest
from django.urls import reverse

from adminpanel.models import AdminUser

ROLES = ["anonymous", "patient_account", "doctor", "admin", "superuser"]

# Pages answer 302 to the right login page for anonymous visitors and 403 to other roles;
# APIs and the fragments that live pages fetch answer 403 to both.
LOGIN = "login"
DENIED = "denied"


@pytest.fixture
def world(department, make_doctor, make_user):
    doctor = make_doctor(department=department)
    admin_user = make_user()
    AdminUser.objects.create(user=admin_user)
    other_doctor = make_doctor(department=department)
    return {
        "department": department,
        "other_doctor": other_doctor,
        "users": {
            "anonymous": None,
            "patient_account": make_user(),
            "doctor": doctor.user,
            "admin": admin_user,
            "superuser": make_user(is_superuser=True, is_staff=True),
        },
    }


def endpoints(world):
    department, other_doctor = world["department"], world["other_doctor"]
    doctor_side = ["doctor"]
    admin_side = ["admin", "superuser"]
    return [
        # (method, url, data, roles allowed, status when allowed, what the others get)
        ("get", reverse("doctors:dashboard"), None, doctor_side, 200, "doctor_page"),
        ("get", reverse("doctors:dashboard-live"), None, doctor_side, 200, "api"),
        ("get", reverse("doctors:schedule"), None, doctor_side, 200, "doctor_page"),
        ("get", reverse("doctors:api"), None, doctor_side, 200, "api"),
        ("post", reverse("doctors:api"), {"action": "dance"}, doctor_side, 400, "api"),
        ("get", reverse("doctors:api-schedule"), None, doctor_side, 200, "api"),
        ("post", reverse("doctors:api-schedule"), {"schedule": []}, doctor_side, 200, "api"),
        ("get", reverse("adminpanel:queues"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:queues-live"), None, admin_side, 200, "api"),
        ("get", reverse("adminpanel:find-token"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:departments"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:department-create"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:department-edit", args=[department.pk]), None, admin_side, 200, "admin_page"),
        ("post", reverse("adminpanel:department-deactivate", args=[department.pk]), {}, admin_side, 302, "admin_page"),
        ("get", reverse("adminpanel:doctors"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:doctor-create"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:doctor-edit", args=[other_doctor.pk]), None, admin_side, 200, "admin_page"),
        ("post", reverse("adminpanel:doctor-deactivate", args=[other_doctor.pk]), {}, admin_side, 302, "admin_page"),
        ("get", reverse("adminpanel:doctor-hours", args=[other_doctor.pk]), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:doctor-password", args=[other_doctor.pk]), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:configuration"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:broadcast"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:audit"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:reports"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:reports-csv"), None, admin_side, 200, "admin_page"),
        ("get", reverse("adminpanel:api"), None, admin_side, 200, "api"),
        ("post", reverse("adminpanel:api"), {"action": "dance"}, admin_side, 400, "api"),
        ("get", reverse("doctors:login"), None, ROLES, 200, None),
        ("get", reverse("adminpanel:login"), None, ROLES, 200, None),
        ("post", reverse("doctors:logout"), {}, ROLES, 302, None),
        ("post", reverse("adminpanel:logout"), {}, ROLES, 302, None),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_endpoint_allows_exactly_its_roles(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    for method, url, data, allowed, allowed_status, kind in endpoints(world):
        if kind == "api" and method == "post":
            response = client.post(url, data, content_type="application/json")
        else:
            response = getattr(client, method)(url, data)
        where = f"{role} {method.upper()} {url}"
        if role in allowed:
            assert response.status_code == allowed_status, where
        elif role == "anonymous" and kind == "doctor_page":
            assert response.status_code == 302 and response.url.startswith(reverse("doctors:login") + "?next="), where
        elif role == "anonymous" and kind == "admin_page":
            assert response.status_code == 302 and response.url.startswith(reverse("adminpanel:login") + "?next="), (
                where
            )
        else:
            assert response.status_code == 403, where
        if user is not None and method == "post" and url.endswith("logout/"):
            client.force_login(user)
