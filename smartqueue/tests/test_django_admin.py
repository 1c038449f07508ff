"""Django admin, every registered model: its pages answer a superuser, a blank form is refused field by field,
and a filled one is refused or saved, never saved half-empty into a 500."""

import pytest
from django.contrib import admin
from django.forms import ModelChoiceField
from django.test import RequestFactory

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def superuser(make_user):
    return make_user(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_admin_page_answers_and_its_add_form_refuses_or_saves_never_crashes(
    client, superuser, department, make_token, model
):
    make_token(department)  # A patient, a department and a visit for the forms' choices to name.
    client.force_login(superuser)
    changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    add_page = f"{changelist}add/"
    assert client.get(changelist, {"q": "x" * 300}).status_code == 200
    request = RequestFactory().get(add_page)
    request.user = superuser
    if not admin.site._registry[model].has_add_permission(request):
        assert client.get(add_page).status_code == 403
        return
    assert client.get(add_page).status_code == 200
    refused = client.post(add_page, {})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors, "a blank form was saved"
    # Every field given a value that passes most fields' checks (a row that exists, where it names one): refused
    # or saved, never half-saved into a 500.
    form_fields = admin.site._registry[model].get_form(request)().fields
    filled = {
        name: str(field.queryset.first().pk) if isinstance(field, ModelChoiceField) and field.queryset.exists() else "1"
        for name, field in form_fields.items()
    }
    assert client.post(add_page, filled).status_code in (200, 302)
