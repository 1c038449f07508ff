"""A request refused with a 4xx is one line of the server log, not a traceback; a 5xx keeps its traceback."""

import logging

from django.test import Client


def console_output(record):
    console = next(handler for handler in logging.getLogger().handlers if handler.get_name() == "console")
    return console.format(record) if console.filter(record) else ""


def test_a_doctor_opening_the_panel_is_logged_as_a_refusal_without_a_traceback(client, make_doctor, caplog):
    client.force_login(make_doctor().user)

    response = client.get("/adminpanel/")

    assert response.status_code == 403
    (record,) = [record for record in caplog.records if record.name == "django.request"]
    assert console_output(record).endswith("WARNING django.request Forbidden (Permission denied): /adminpanel/")


def test_a_host_not_served_is_logged_without_a_traceback(db, caplog):
    response = Client().get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    (record,) = [record for record in caplog.records if record.name == "django.security.DisallowedHost"]
    assert "Traceback" not in console_output(record)


def test_a_server_error_keeps_its_traceback():
    try:
        raise ValueError("the database fell over")
    except ValueError as error:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /", (),
                                   (type(error), error, error.__traceback__))
    record.status_code = 500

    assert "Traceback" in console_output(record) and "the database fell over" in console_output(record)
