"""/api/schema/ is open to anyone and costly to make: it is made once per format and language, and is what
drf-spectacular's own view serves."""

from unittest.mock import patch

import pytest
from django.test import RequestFactory
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView

from patients.api import PatientSubmissionAPI
from patients.serializers import DailyCapacityMixin, PlainValuesSerializer
from smartqueue.strict_types import StrictSerializer
from smartqueue.views import rendered_schema

YAML, JSON = "application/vnd.oai.openapi", "application/vnd.oai.openapi+json"


@pytest.fixture(autouse=True)
def schema_not_made_yet():
    rendered_schema.cache_clear()
    yield
    rendered_schema.cache_clear()


def test_the_schema_is_made_once_per_format_and_language_whatever_the_query_string(client):
    generate = SchemaGenerator.get_schema
    with patch.object(SchemaGenerator, "get_schema", autospec=True, side_effect=generate) as generated:
        answers = [
            client.get("/api/schema/"),
            client.get("/api/schema/"),
            client.get("/api/schema/", HTTP_ACCEPT=JSON),
            client.get("/api/schema/", HTTP_ACCEPT=JSON),
            client.get("/api/schema/?lang=es"),
            client.get("/api/schema/?lang=es"),
            client.get("/api/schema/?lang=xx-1"),
            client.get("/api/schema/?lang=xx-2"),
            client.get("/api/schema/?version=9"),
            client.get("/api/schema/?version=10"),
        ]

    assert {answer.status_code for answer in answers} == {200}
    assert generated.call_count == 3  # English YAML, English JSON, Spanish YAML


@pytest.mark.parametrize(
    ("query", "accept"), [("", YAML), ("", JSON), ("?lang=ar", YAML), ("?lang=es", JSON), ("?format=json", "*/*")]
)
def test_the_schema_served_is_drf_spectaculars_own(client, query, accept):
    made_each_time = SpectacularAPIView.as_view()(RequestFactory().get(f"/api/schema/{query}", HTTP_ACCEPT=accept))
    made_each_time.render()

    served = client.get(f"/api/schema/{query}", HTTP_ACCEPT=accept)

    assert served.content == made_each_time.content
    assert served["Content-Type"] == made_each_time["Content-Type"]
    assert served["Content-Disposition"] == made_each_time["Content-Disposition"]


def test_every_operation_taking_a_body_documents_the_413_of_one_too_large(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT=JSON).json()

    undocumented = [
        f"POST {path}" for path, operations in schema["paths"].items()
        if "post" in operations and "413" not in operations["post"]["responses"]
    ]

    assert undocumented == []


def test_a_staff_actions_number_is_documented_with_the_limits_it_is_refused_outside(client):
    # The schema read the form field alone and promised 0 and up for a field the model refuses below 5.
    schema = client.get("/api/schema/", HTTP_ACCEPT=JSON).json()
    body = schema["paths"]["/adminpanel/api/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    create_department = next(action for action in body["oneOf"] if action["title"] == "create_department")

    fields = create_department["properties"]
    limits = {
        name: (fields[name].get("minimum"), fields[name].get("maximum"))
        for name in ("average_consultation_minutes", "wait_alert_minutes", "daily_capacity")
    }

    assert limits == {
        "average_consultation_minutes": (1, 240),
        "wait_alert_minutes": (5, 600),
        "daily_capacity": (0, 100_000),
    }


def test_every_operation_documents_when_to_retry_its_503_and_429(client):
    # A dropped database answers 503 with Retry-After on any operation, and the throttles 429 with it: neither the
    # status nor the header was in the schema.
    schema = client.get("/api/schema/", HTTP_ACCEPT=JSON).json()
    answers = [
        (f"{method.upper()} {path}", status, answer)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, answer in operation["responses"].items()
    ]
    operations = {where for where, _status, _answer in answers}

    with_503 = {where for where, status, answer in answers if status == "503" and "Retry-After" in answer["headers"]}
    throttled_without_header = [
        where for where, status, answer in answers if status == "429" and "Retry-After" not in answer.get("headers", {})
    ]

    assert with_503 == operations
    assert throttled_without_header == []


def test_the_api_docs_page_says_its_language_and_where_its_content_is(client, db):
    # Swagger UI's words and the schema's descriptions are English whatever the reader's language: without a lang,
    # a screen reader set to Hindi or Arabic read them in that voice (axe: html-has-lang, serious).
    page = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    assert '<html lang="en" dir="ltr">' in page
    assert '<main id="swagger-ui"></main>' in page


def test_each_shape_and_operation_is_described_by_its_own_docstring_never_a_helper_base_s(client):
    # Inherited, a helper base's docstring was the published description of everything built on it: each strictly
    # typed request "A DRF serializer whose fields refuse JSON values...", the queue snapshot "Whether a newcomer can
    # still be registered today", the patient POSTs without one of their own "A rate-limited endpoint...".
    helpers = [StrictSerializer, DailyCapacityMixin, PlainValuesSerializer, PatientSubmissionAPI]
    helper_docs = {" ".join(helper.__doc__.split()) for helper in helpers}
    schema = client.get("/api/schema/", HTTP_ACCEPT=JSON).json()
    descriptions = {
        **{name: shape.get("description", "") for name, shape in schema["components"]["schemas"].items()},
        **{
            f"{method.upper()} {path}": operation.get("description", "")
            for path, operations in schema["paths"].items()
            for method, operation in operations.items()
        },
    }

    assert {where for where, said in descriptions.items() if " ".join(said.split()) in helper_docs} == set()
    assert descriptions["QueueSnapshot"].startswith("A department's line today")
    assert descriptions["VisitStatus"].startswith("One visit as its patient follows it")


def test_an_operation_taking_no_input_documents_the_400_of_its_query_string(client, db):
    # GET /patients/api/departments/?q=%00 answered a 400 its operation, documenting 200 and 503 only, did not have.
    refused = client.get("/patients/api/departments/?q=%00")
    schema = client.get("/api/schema/", HTTP_ACCEPT=JSON).json()
    answers = schema["paths"]["/patients/api/departments/"]["get"]["responses"]
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "400" not in operation["responses"]
    ]

    assert refused.status_code == 400 and set(refused.json()) == {"detail"}
    assert answers["400"]["content"]["application/json"]["schema"]["required"] == ["detail"]
    assert undocumented == []
