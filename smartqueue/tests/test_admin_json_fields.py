"""JSON typed into Django admin (a department's or a doctor's translations, the board's languages, a webhook's
events): refused beside its field, the record as it was, where Django's own JSON form field answered 500 (a lone
surrogate, NaN, nesting too deep, a blank field on a column without null) or stored a list where the app reads
{language: ...}, which then broke every frame and page of the department."""

import pytest
from django import forms
from django.contrib import admin

from patients.models import Department
from smartqueue.admin_json import CheckedJSONField

REFUSED_JSON = {
    "lone surrogate": '{"es": {"name": "Cardio\\ud800"}}',
    "NUL": '{"es": {"name": "Cardio\\u0000"}}',
    "NaN": '{"es": {"name": NaN}}',
    "infinity": '{"es": {"name": 1e309}}',
    "nested too deeply": "[" * 100_000 + "]" * 100_000,
    "a list": "[]",
    "null": "null",
}


@pytest.fixture
def superuser(make_user):
    return make_user(is_staff=True, is_superuser=True)


def editable_json_fields(model, request):
    model_admin = admin.site._registry[model]
    form_fields = {**model_admin.get_form(request)().fields, **model_admin.get_form(request, model())().fields}
    return {name: field for name, field in form_fields.items() if isinstance(field, forms.JSONField)}


def test_every_json_field_django_admin_edits_is_checked(rf, superuser):
    request = rf.get("/")
    request.user = superuser
    found = {
        f"{model._meta.label}.{name}": type(field).__name__
        for model in admin.site._registry
        for name, field in editable_json_fields(model, request).items()
    }
    assert "patients.Department.translations" in found, "the check itself would find nothing"
    assert found == {name: CheckedJSONField.__name__ for name in found}


def _change_form(client, page):
    form = client.get(page).context["adminform"].form
    return {name: form[name].value() for name in form.fields if form[name].value() is not None}


@pytest.fixture(params=["department", "doctor"])
def translated_record(request, department, make_doctor):
    if request.param == "department":
        department.translations = {"es": {"name": "Cardiología"}}
        department.save()
        return department
    doctor = make_doctor(department=department, room="Room 2")
    doctor.translations = {"es": {"room": "Sala 2"}}
    doctor.save()
    return doctor


@pytest.mark.parametrize("typed", REFUSED_JSON.values(), ids=REFUSED_JSON.keys())
def test_translations_django_admin_cannot_store_are_refused_beside_the_field(
    client, superuser, translated_record, typed
):
    client.force_login(superuser)
    meta = translated_record._meta
    page = f"/admin/{meta.app_label}/{meta.model_name}/{translated_record.pk}/change/"
    posted = {**_change_form(client, page), "translations": typed}

    refused = client.post(page, posted)

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["translations"]
    stored = translated_record.translations
    translated_record.refresh_from_db()
    assert translated_record.translations == stored


def test_translations_left_blank_in_django_admin_are_emptied_not_a_500(client, superuser, translated_record):
    client.force_login(superuser)
    meta = translated_record._meta
    page = f"/admin/{meta.app_label}/{meta.model_name}/{translated_record.pk}/change/"

    assert client.post(page, {**_change_form(client, page), "translations": ""}).status_code == 302

    translated_record.refresh_from_db()
    assert translated_record.translations == {}


def test_a_new_department_with_refused_translations_is_not_created(client, superuser):
    client.force_login(superuser)
    form = {"name": "Dermatology", "code": "DERM", "average_consultation_minutes": "10", "translations": "[]"}

    refused = client.post("/admin/patients/department/add/", form)

    assert "translations" in refused.context["adminform"].form.errors
    assert not Department.objects.filter(code="DERM").exists()
