"""Django admin's date drill-down with a date out of the calendar's range is refused as a bad filter, not a 500."""

import pytest
from django.contrib import admin
from django.test import Client

from smartqueue.admin_dates import OutOfRangeDatesRefused

MODEL_ADMINS_WITH_DATES = [
    model_admin for model_admin in admin.site._registry.values() if model_admin.date_hierarchy
]
OUT_OF_RANGE = [
    "{field}__year=9999",
    "{field}__year=9999&{field}__month=12&{field}__day=31",
    "{field}__year=99999999999999999999",
    "{field}__year=2026&{field}__month=99999999999999999999",
]


@pytest.fixture
def superuser(make_user):
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def changelist_address(model_admin):
    return f"/admin/{model_admin.opts.app_label}/{model_admin.opts.model_name}/"


def test_every_model_admin_with_a_date_drill_down_refuses_dates_out_of_range():
    assert MODEL_ADMINS_WITH_DATES
    for model_admin in MODEL_ADMINS_WITH_DATES:
        assert isinstance(model_admin, OutOfRangeDatesRefused), type(model_admin).__name__


@pytest.mark.django_db
@pytest.mark.parametrize("model_admin", MODEL_ADMINS_WITH_DATES, ids=changelist_address)
@pytest.mark.parametrize("query", OUT_OF_RANGE)
def test_a_date_out_of_range_in_the_drill_down_is_a_bad_filter(superuser, model_admin, query):
    address = changelist_address(model_admin)

    response = superuser.get(f"{address}?{query.format(field=model_admin.date_hierarchy)}")

    # Django's answer to any filter it cannot apply: back to the list, flagged as an error.
    assert (response.status_code, response.headers["Location"]) == (302, f"{address}?e=1")


@pytest.mark.django_db
@pytest.mark.parametrize("model_admin", MODEL_ADMINS_WITH_DATES, ids=changelist_address)
def test_a_year_in_range_is_drilled_down_as_before(superuser, model_admin):
    response = superuser.get(f"{changelist_address(model_admin)}?{model_admin.date_hierarchy}__year=2026")

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "day", "clock"),
    [("America/New_York", "9999-12-31", "23:59:59"), ("Asia/Tokyo", "0001-01-01", "00:00:00")],
)
def test_a_time_past_the_calendar_once_in_utc_is_refused_beside_the_field(
    settings, superuser, make_user, zone, day, clock
):
    # PostgreSQL stored such a time (year 10000 in UTC) and no page could read the account again: every list of
    # doctors answered 500. SQLite's save failed with a 500 instead.
    settings.TIME_ZONE = zone
    account = make_user(username="ana")
    page = f"/admin/auth/user/{account.pk}/change/"
    joined = account.date_joined

    response = superuser.post(
        page,
        {
            "username": "ana",
            "is_active": "on",
            "date_joined_0": day,
            "date_joined_1": clock,
            "last_login_0": "",
            "last_login_1": "",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date_joined"] == ["Enter a valid date/time."]
    account.refresh_from_db()
    assert account.date_joined == joined
