"""Webhook endpoints and their deliveries in the admin panel: register, edit, see outcomes, redeliver."""

import re
import zoneinfo
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from adminpanel.models import AuditLog
from notifications.models import WebhookDelivery, WebhookEndpoint

SECRET = "s3cret-value-shared-with-the-receiver"


def endpoint_form(**fields):
    return {
        "name": "Hospital information system",
        "url": "http://127.0.0.1:9000/hooks",
        "secret": SECRET,
        "event_types": ["token.created", "token.completed"],
        "is_active": "on",
    } | fields


def test_an_admin_registers_an_endpoint_and_the_secret_stays_out_of_the_audit(admin_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]

    response = admin_client.post(reverse("adminpanel:webhook-create"), endpoint_form())

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.secret, endpoint.event_types, endpoint.trusted_for_pii) == (
        SECRET,
        ["token.created", "token.completed"],
        False,
    )
    audit = AuditLog.objects.get(action="webhook_endpoint.created")
    assert "secret" not in audit.after and SECRET not in str(audit.after)
    page = admin_client.get(reverse("adminpanel:webhooks")).content.decode()
    assert "Hospital information system" in page


def test_an_internal_or_metadata_url_is_refused_on_the_form(admin_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    for url in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:9000/hooks", "http://192.0.0.192/"):
        response = admin_client.post(reverse("adminpanel:webhook-create"), endpoint_form(url=url))

        assert response.status_code == 400
        assert "url" in response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


def test_an_address_given_twice_is_refused_naming_it(admin_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    body = urlencode(endpoint_form(url=["http://127.0.0.1:9000/hooks", "http://127.0.0.1:9001/x"]), doseq=True)

    response = admin_client.post(reverse("adminpanel:webhook-create"), body,
                                 content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.context["form"].errors["url"] == ['"URL" is given more than once.']
    assert not WebhookEndpoint.objects.exists()


def test_a_short_secret_is_refused_naming_the_field(admin_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]

    response = admin_client.post(reverse("adminpanel:webhook-create"), endpoint_form(secret="a"))

    assert response.status_code == 400
    assert response.context["form"].errors["secret"] == [
        "The secret must be at least 32 characters long (it has 1)."
    ]
    assert not WebhookEndpoint.objects.exists()


def test_a_secret_is_kept_as_typed_and_surrounding_spaces_are_refused_not_cut(admin_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]

    padded = admin_client.post(reverse("adminpanel:webhook-create"), endpoint_form(secret=f"  {SECRET}  "))
    inner_spaces = admin_client.post(reverse("adminpanel:webhook-create"), endpoint_form(secret=f"{SECRET} {SECRET}"))

    assert padded.context["form"].errors["secret"] == ["The secret may not start or end with spaces or line breaks."]
    assert inner_spaces.status_code == 302
    assert WebhookEndpoint.objects.get().secret == f"{SECRET} {SECRET}"


def test_an_endpoint_needs_an_event_type(admin_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]

    response = admin_client.post(reverse("adminpanel:webhook-create"), endpoint_form(event_types=[]))

    assert "event_types" in response.context["form"].errors


def test_a_webhooks_refusals_are_in_words_not_djangos(admin_client):
    """Arabic read Django's "هذا الحقل مطلوب." (This field is required) and its URL message."""
    response = admin_client.post(
        reverse("adminpanel:webhook-create"), {"url": "not a url"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    errors = response.context["form"].errors
    assert errors["name"] == ["Fill in “Name”."] and errors["event_types"] == ["Choose “Event types”."]
    assert errors["url"] == ["Enter the receiver's full web address, e.g. https://records.example/hook."]


def test_an_admin_redelivers_a_delivery_from_the_log(admin_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    endpoint = WebhookEndpoint.objects.create(name="HIS", url="http://127.0.0.1:9/hooks", event_types=["token.created"])
    failed = WebhookDelivery.objects.create(
        endpoint=endpoint, event="token.created", payload={"type": "token.created"}, status="failed", attempts=5
    )

    page = admin_client.get(reverse("adminpanel:webhooks")).content.decode()
    assert reverse("adminpanel:webhook-redeliver", args=[failed.pk]) in page
    admin_client.post(reverse("adminpanel:webhook-redeliver", args=[failed.pk]))

    again = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert (again.redelivery_of, again.event_id, again.payload) == (failed, failed.event_id, failed.payload)
    assert AuditLog.objects.filter(action="webhook.redelivered", object_id=str(again.pk)).exists()


def test_a_delivery_not_answered_yet_says_so_in_words(admin_client):
    endpoint = WebhookEndpoint.objects.create(name="HIS", url="http://127.0.0.1:9/hooks", event_types=["token.created"])
    WebhookDelivery.objects.create(endpoint=endpoint, event="token.created", payload={}, status="pending")

    page = admin_client.get(reverse("adminpanel:webhooks")).content.decode()

    assert page.count("<td>None yet</td>") == 2  # its last response and its latency
    assert "—" not in page


def test_the_panel_api_redelivers_too(admin_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    endpoint = WebhookEndpoint.objects.create(name="HIS", url="http://127.0.0.1:9/hooks", event_types=["token.created"])
    failed = WebhookDelivery.objects.create(endpoint=endpoint, event="token.created", payload={}, status="failed")

    missing = admin_client.post("/adminpanel/api/", {"action": "redeliver_webhook"}, content_type="application/json")
    done = admin_client.post(
        "/adminpanel/api/", {"action": "redeliver_webhook", "delivery": failed.pk}, content_type="application/json"
    )

    assert missing.status_code == 400 and "delivery" in missing.json()["errors"]
    assert done.status_code == 200
    assert WebhookDelivery.objects.filter(redelivery_of=failed).count() == 1


def registered_endpoint():
    return WebhookEndpoint.objects.create(
        name="Records", url="http://127.0.0.1:9000/hooks", secret=SECRET, event_types=["token.created"]
    )


def test_the_edit_page_shows_only_the_secret_s_last_four_characters_and_an_edit_never_changes_it(
    admin_client, settings
):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    endpoint = registered_endpoint()
    edit = reverse("adminpanel:webhook-edit", args=[endpoint.pk])

    page = admin_client.get(edit).content.decode()
    response = admin_client.post(edit, endpoint_form(name="Records (new name)", secret="another-secret-" + "x" * 32))

    assert SECRET not in page and SECRET[:-4] not in page
    assert f'<span class="font-monospace" dir="ltr">{SECRET[-4:]}</span>' in page
    assert 'name="secret"' not in page
    assert response.status_code == 302
    assert WebhookEndpoint.objects.get().secret == SECRET
    assert WebhookEndpoint.objects.get().name == "Records (new name)"


def test_a_new_secret_is_generated_after_asking_shown_once_and_audited_by_its_last_four_characters(admin_client):
    endpoint = registered_endpoint()
    url = reverse("adminpanel:webhook-secret", args=[endpoint.pk])

    asked = admin_client.get(url)
    assert asked.status_code == 200 and "Generate a new secret for Records?" in asked.content.decode()
    assert WebhookEndpoint.objects.get().secret == SECRET

    shown = admin_client.post(url, {"confirmed": "yes"})
    new_secret = WebhookEndpoint.objects.get().secret
    assert new_secret != SECRET and len(new_secret) >= 32
    assert shown.status_code == 200 and new_secret in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    edit = admin_client.get(reverse("adminpanel:webhook-edit", args=[endpoint.pk])).content.decode()
    assert new_secret not in edit and new_secret[-4:] in edit
    audit = AuditLog.objects.get(action="webhook_endpoint.secret_replaced")
    assert audit.before == {"secret_last_four": SECRET[-4:]}
    assert audit.after["secret_last_four"] == new_secret[-4:]
    assert new_secret not in str(audit.after) and SECRET not in str(audit.before) and SECRET not in str(audit.after)


def test_a_new_secret_keeps_the_old_one_signing_for_a_day_unless_the_admin_stops_it_now(admin_client, settings):
    settings.WEBHOOK_SECRET_OVERLAP_HOURS = 24
    endpoint = registered_endpoint()
    url = reverse("adminpanel:webhook-secret", args=[endpoint.pk])
    asked = admin_client.get(url).content.decode()
    assert "with the current one too" in asked and "Generate a new secret and stop the current one now" in asked

    shown = admin_client.post(url, {"confirmed": "yes"}).content.decode()

    endpoint.refresh_from_db()
    assert endpoint.previous_secret == SECRET
    overlap = endpoint.previous_secret_until - timezone.now()
    assert timedelta(hours=23, minutes=59) < overlap <= timedelta(hours=24)
    assert f"ending in <span class=\"font-monospace\" dir=\"ltr\">{SECRET[-4:]}</span>, also signs" in shown
    edit = admin_client.get(reverse("adminpanel:webhook-edit", args=[endpoint.pk])).content.decode()
    assert "also signs every delivery until" in edit and SECRET not in edit
    assert "previous_secret_signs_until" in AuditLog.objects.get(action="webhook_endpoint.secret_replaced").after

    shown = admin_client.post(url, {"previous_secret": "stop"}).content.decode()

    endpoint.refresh_from_db()
    assert (endpoint.previous_secret, endpoint.previous_secret_until) == ("", None)
    assert "The secret it replaced no longer signs deliveries." in shown
    edit = admin_client.get(reverse("adminpanel:webhook-edit", args=[endpoint.pk])).content.decode()
    assert "also signs every delivery until" not in edit


def test_each_endpoint_shows_its_failures_of_the_last_day_and_when_one_last_got_through(admin_client):
    """A receiver down for days showed only among the latest 50 deliveries of every endpoint, which a busy one's
    pushed out of sight: nothing on the page said it was failing."""
    down = WebhookEndpoint.objects.create(name="Down", url="http://127.0.0.1:9/a", event_types=["token.created"])
    WebhookEndpoint.objects.create(name="Up", url="http://127.0.0.1:9/b", event_types=["token.created"])
    for _ in range(3):
        WebhookDelivery.objects.create(endpoint=down, event="token.created", payload={}, status="failed", attempts=9)
    WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.first().pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    two_days_ago = timezone.now() - timedelta(days=2)
    WebhookDelivery.objects.create(
        endpoint=down, event="token.created", payload={}, status="delivered", delivered_at=two_days_ago
    )

    page = admin_client.get(reverse("adminpanel:webhooks")).content.decode()

    assert "Failed in the last 24 hours" in page
    assert '<td class="table-danger">2</td>' in page
    assert f"<td>{date_format(timezone.localtime(two_days_ago), 'SHORT_DATETIME_FORMAT')}</td>" in page
    assert "<td>Never</td>" in page  # the endpoint that never got one


def test_a_delivery_waiting_to_be_retried_says_when_its_next_attempt_is(admin_client, settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    endpoint = WebhookEndpoint.objects.create(name="HIS", url="http://127.0.0.1:9/hooks", event_types=["token.created"])
    next_attempt_at = timezone.now() + timedelta(minutes=4)
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="token.created",
        payload={},
        status="pending",
        attempts=3,
        last_status_code=503,
        next_attempt_at=next_attempt_at,
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint, event="token.created", payload={}, status="pending", next_attempt_at=timezone.now()
    )

    page = admin_client.get(reverse("adminpanel:webhooks")).content.decode()

    local = timezone.localtime(next_attempt_at, timezone=zoneinfo.ZoneInfo("Asia/Kolkata"))
    assert page.count("Next attempt at") == 1  # not for the delivery not tried yet
    assert f"Next attempt at {local:%H:%M:%S}" in page


def test_the_endpoints_list_names_their_events_in_the_readers_words_not_their_codes(admin_client):
    WebhookEndpoint.objects.create(
        name="HIS", url="http://127.0.0.1:9/hooks", event_types=["token.created", "appointment.booked"]
    )

    page = admin_client.get(reverse("adminpanel:webhooks"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "<li>Turno creado</li>" in page
    assert "token.created" not in page and "appointment.booked" not in page


def test_the_webhook_pages_write_their_moments_as_the_audit_log_does_not_as_iso_codes(admin_client):
    """A delivery's time, an endpoint's last delivery and since when it has failed (on the list and the edit page)
    were "2026-12-06 02:49:25" on a page in any language, where every other panel page writes a moment in the
    reader's format ("06-12-2026 02:49" in Hindi)."""
    failing_since = timezone.make_aware(datetime(2026, 12, 5, 7, 5))
    endpoint = WebhookEndpoint.objects.create(
        name="HIS", url="http://127.0.0.1:9/hooks", event_types=["token.created"], is_active=False,
        failing_since=failing_since, disabled_automatically_at=failing_since + timedelta(days=1),
    )
    WebhookDelivery.objects.create(endpoint=endpoint, event="token.created", payload={}, status="delivered",
                                   delivered_at=failing_since - timedelta(hours=1))
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="token.created", payload={}, status="failed")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=failing_since + timedelta(seconds=30))
    admin_client.post("/i18n/setlang/", {"language": "hi"})

    pages = [admin_client.get(reverse(name, args=args)).content.decode()
             for name, args in [("adminpanel:webhooks", ()), ("adminpanel:webhook-edit", (endpoint.pk,))]]

    assert not [page for page in pages if re.search(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}", page)]
    listed, edited = pages
    for moment in ["05-12-2026 06:05", "05-12-2026 07:05", "06-12-2026 07:05"]:
        assert moment in listed, moment
    assert "05-12-2026 07:05" in edited and "06-12-2026 07:05" in edited
