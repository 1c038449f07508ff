"""The status page's "I'm running late" and "Leave the line", and their REST endpoints under the visit API."""

import re
from datetime import timedelta

import pytest
from rest_framework.throttling import SimpleRateThrottle

from adminpanel.models import AuditLog
from patients import services
from patients.models import Queue


def line(department):
    return list(Queue.objects.waiting().filter(department=department).in_service_order().values_list("pk", flat=True))


def late_url(entry):
    return f"/patients/api/visit/{entry.public_id}/late/"


def cancel_url(entry):
    return f"/patients/api/visit/{entry.public_id}/cancel/"


@pytest.fixture
def waiting(department, make_token):
    """Five waiting tokens of today; the first is the patient's."""
    return [make_token(department) for _ in range(5)]


def test_the_page_offers_both_while_waiting(client, waiting):
    page = client.get(waiting[0].get_absolute_url()).content.decode()

    assert re.search(r'class="card[^"]*" data-show="can_move_back"', page)
    assert re.search(r'<form method="post" class="mb-3" data-show="can_leave"', page)
    assert "running late</button>" in page and "Leave the line</button>" in page


def test_running_late_moves_back_as_a_text_does_and_says_so(client, department, waiting):
    response = client.post(waiting[0].get_absolute_url(), {"form": "running-late"}, follow=True)

    assert response.status_code == 200
    assert line(department) == [waiting[index].pk for index in (1, 2, 3, 0, 4)]  # late_moves_back_places = 3
    assert re.search(r'role="status" tabindex="-1" autofocus>You have been moved back. You are now number 4',
                     response.content.decode())
    logged = AuditLog.objects.get(action="queue.postponed")
    assert logged.actor is None and logged.object_id == str(waiting[0].pk)


def test_running_late_twice_is_refused_in_words(client, waiting):
    client.post(waiting[0].get_absolute_url(), {"form": "running-late"})

    response = client.post(waiting[0].get_absolute_url(), {"form": "running-late"})

    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r'role="alert" tabindex="-1" autofocus>Token CARD-\d+ has already been moved back once', page)
    # No longer offered once used.
    assert re.search(r'class="card[^"]* d-none" data-show="can_move_back"', page)


def test_leaving_asks_first_and_says_what_follows(client, waiting):
    response = client.post(waiting[0].get_absolute_url(), {"form": "leave-line"})

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'id="leave-question" tabindex="-1" autofocus>Leave the line with token CARD-\d+\?', page)
    assert "you will lose your place in line" in page
    assert Queue.objects.get(pk=waiting[0].pk).status == Queue.Status.WAITING


def test_leaving_once_confirmed_cancels_the_token_and_says_so(client, waiting):
    response = client.post(waiting[0].get_absolute_url(), {"form": "leave-line", "confirm": "yes"}, follow=True)

    assert Queue.objects.get(pk=waiting[0].pk).status == Queue.Status.CANCELLED
    page = response.content.decode()
    assert "You have left the line" in page
    assert re.search(r'<form method="post" class="mb-3 d-none" data-show="can_leave"', page)
    logged = AuditLog.objects.get(action="queue.cancelled")
    assert logged.actor is None and logged.object_id == str(waiting[0].pk)


def test_leaving_again_is_refused_in_words(client, waiting):
    client.post(waiting[0].get_absolute_url(), {"form": "leave-line", "confirm": "yes"})

    for posted in ({"form": "leave-line"}, {"form": "leave-line", "confirm": "yes"}):
        response = client.post(waiting[0].get_absolute_url(), posted)
        assert response.status_code == 400
        assert "cannot be cancelled. It was cancelled or transferred." in response.content.decode()


@pytest.mark.parametrize("state", ["called", "in_consultation", "completed", "yesterday"])
def test_neither_is_offered_nor_done_once_no_longer_waiting(client, make_doctor, waiting, state):
    entry = waiting[0]
    if state == "yesterday":
        Queue.objects.filter(pk=entry.pk).update(token_date=entry.token_date - timedelta(days=1))
    else:
        doctor = make_doctor(department=entry.department)
        services.call_patient(entry=entry, doctor=doctor)
        if state != "called":
            services.start_consultation(entry=entry)
        if state == "completed":
            services.complete_consultation(entry=entry)

    page = client.get(entry.get_absolute_url()).content.decode()
    assert re.search(r'class="card[^"]* d-none" data-show="can_move_back"', page)
    assert re.search(r'class="mb-3 d-none" data-show="can_leave"', page)
    for posted in ({"form": "running-late"}, {"form": "leave-line"}, {"form": "leave-line", "confirm": "yes"}):
        response = client.post(entry.get_absolute_url(), posted)
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.postponed_at is None and entry.status != Queue.Status.CANCELLED


def test_api_running_late(api_client, department, waiting):
    response = api_client.post(late_url(waiting[0]), {}, format="json")

    assert response.status_code == 200
    assert (response.json()["position"], response.json()["can_move_back"]) == (4, False)
    assert line(department)[3] == waiting[0].pk

    again = api_client.post(late_url(waiting[0]), format="json")
    assert again.status_code == 400
    assert "already been moved back once" in again.json()["public_id"][0]


def test_api_leaving_the_line(api_client, waiting):
    response = api_client.post(cancel_url(waiting[0]), {}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["can_leave"]) == ("cancelled", False)

    again = api_client.post(cancel_url(waiting[0]), {}, format="json")
    assert again.status_code == 400
    assert "cannot be cancelled" in again.json()["public_id"][0]


def test_api_refuses_a_called_token_naming_the_field(api_client, make_doctor, waiting):
    services.call_patient(entry=waiting[0], doctor=make_doctor(department=waiting[0].department))

    for url in (late_url(waiting[0]), cancel_url(waiting[0])):
        response = api_client.post(url, {}, format="json")
        assert response.status_code == 400 and list(response.json()) == ["public_id"]
    assert Queue.objects.get(pk=waiting[0].pk).status == Queue.Status.CALLED


def test_api_wrong_method_unknown_link_and_bad_body(api_client, waiting):
    assert api_client.get(late_url(waiting[0])).status_code == 405
    assert api_client.get(cancel_url(waiting[0])).status_code == 405
    assert api_client.post("/patients/api/visit/00000000-0000-0000-0000-000000000000/cancel/", {}, format="json"
                           ).status_code == 404
    assert api_client.post(cancel_url(waiting[0]), [1], format="json").status_code == 400
    refused = api_client.post(cancel_url(waiting[0]), {"confirm": False}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["confirm"]
    assert Queue.objects.get(pk=waiting[0].pk).status == Queue.Status.WAITING


def test_page_and_api_are_throttled_together(client, api_client, monkeypatch, clock, waiting):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "feedback", "2/min")
    assert client.post(waiting[0].get_absolute_url(), {"form": "leave-line"}).status_code == 200
    assert api_client.post(late_url(waiting[1]), {}, format="json").status_code == 200

    assert client.post(waiting[0].get_absolute_url(), {"form": "leave-line", "confirm": "yes"}).status_code == 429
    assert api_client.post(cancel_url(waiting[1]), {}, format="json").status_code == 429
    assert Queue.objects.filter(status=Queue.Status.CANCELLED).count() == 0


def test_leaving_asks_through_the_shared_confirmation(client, waiting):
    """Leaving and cancelling a booking (test_appointment_pages) are asked by one include: they cannot drift apart."""
    asked = client.post(waiting[0].get_absolute_url(), {"form": "leave-line"})

    assert "_confirm_step.html" in [template.name for template in asked.templates]


def test_a_refused_line_action_is_answered_through_the_apis_one_refusal_mapping(api_client, waiting, monkeypatch):
    """patients.api.refused turns every core refusal into the patient API's answer (field, 400 or 409)."""
    from patients import api

    mapped, refused = [], api.refused
    monkeypatch.setattr(api, "refused", lambda refusal, **named: mapped.append(named) or refused(refusal, **named))
    api_client.post(late_url(waiting[0]), format="json")

    response = api_client.post(late_url(waiting[0]), format="json")

    assert response.status_code == 400 and "already been moved back once" in response.json()["public_id"][0]
    assert mapped == [{"field": "public_id"}]
