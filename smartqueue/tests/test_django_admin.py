"""Django admin, every registered model: its pages answer a superuser, and a blank form is refused field by
field, never saved half-empty into a 500."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def superuser(make_user):
    return make_user(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_admin_page_answers_and_a_blank_add_form_is_refused_not_crashed(client, superuser, model):
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
