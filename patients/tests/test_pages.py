import html
import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from adminpanel.models import AdminUser, SystemConfiguration
from patients import services
from patients.models import Patient, PatientFeedback, Queue


@pytest.fixture
def typed(department):
    return {
        "name": "Asha Patel",
        "phone": "(415) 555-0160",
        "age": "34",
        "gender": "female",
        "department": str(department.pk),
        "notes": "Cough for a week",
    }


def test_landing_lists_active_departments_with_queue_length_and_wait(
    client, department, make_department, make_doctor, register
):
    make_department(name="Closed wing", code="CLOS", is_active=False)
    make_doctor(department=department)
    register()

    response = client.get(reverse("patients:landing"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Cardiology" in page
    assert "Closed wing" not in page
    assert re.search(r'class="[^"]*queue-length">1<', page)
    # The one waiting token is next for the free doctor; "about", as a screen reader would not say "~".
    assert "about 10 min" in page and "~" not in page


def test_landing_says_any_moment_now_for_a_department_with_no_wait(client, department, make_doctor):
    make_doctor(department=department)

    page = client.get(reverse("patients:landing")).content.decode()

    assert "Any moment now" in page and "about 0 min" not in page


def test_without_a_doctor_on_duty_the_pages_say_so_instead_of_a_wait(client, typed):
    registered = client.post("/patients/register/", typed, follow=True).content.decode()
    assert "No doctor on duty yet" in registered and " min<" not in registered
    landing = client.get(reverse("patients:landing")).content.decode()
    assert re.search(r'class="[^"]*estimated-wait">No doctor on duty yet<', landing)


def test_a_name_too_long_is_refused_in_words_not_cut_by_the_browser(client, typed):
    form = client.get("/patients/register/").content.decode()
    assert "maxlength" not in form
    response = client.post("/patients/register/", {**typed, "name": "A" * 300})
    assert "Write at most 120 characters here (this has 300)." in response.content.decode()
    assert not Patient.objects.exists()


def test_a_text_too_long_is_refused_in_the_readers_words_not_djangos(client, typed):
    """Django's Arabic ("تأكد أن هذه القيمة تحتوي على 120 حرف...") neither addresses the patient politely nor
    agrees with the number."""
    client.cookies["django_language"] = "ar"
    page = client.post("/patients/register/", {**typed, "name": "A" * 300}).content.decode()
    assert "اكتبوا هنا 120 حرفًا على الأكثر" in page and "تأكد أن هذه القيمة" not in page


def test_registration_page_offers_only_active_departments_and_no_priority(client, department, make_department):
    make_department(name="Closed wing", code="CLOS", is_active=False)

    page = client.get("/patients/register/").content.decode()

    assert "Cardiology" in page
    assert "Closed wing" not in page
    assert 'name="priority"' not in page


def test_registering_shows_the_token_position_wait_and_a_qr_code_to_the_status_page(
    client, typed, department, make_doctor
):
    make_doctor(department=department)
    response = client.post("/patients/register/", typed, follow=True)

    patient = Patient.objects.get()
    assert patient.phone == "+14155550160"
    assert response.redirect_chain[-1][0] == f"/patients/registered/{patient.visits.get().public_id}/"
    page = response.content.decode()
    assert "CARD-001" in page and "token-display" in page
    assert "Cardiology" in page
    assert "Any moment now" in page and "about 0 min" not in page  # The doctor on duty is free: this token is next.
    assert f"http://testserver/patients/status/{patient.visits.get().public_id}/" in page
    assert "<svg" in page


def test_a_returning_patient_is_not_duplicated_and_is_told_the_token_went_to_their_phone(client, typed, register):
    known = register(phone="+14155550160", name="A. Patel")

    response = client.post("/patients/register/", {**typed, "phone": "+1 415 555 0160"}, follow=True)

    [(sent_page, status)] = response.redirect_chain
    assert (sent_page.split("?")[0], status) == ("/patients/register/sent/", 302)
    page = response.content.decode()
    assert "This phone number is already registered with us." in page
    assert "We have sent a message to that phone: your token and a link to follow your place" in page
    assert "\u2022\u2022\u2022\u2022\u2022\u20220160" in page
    assert known.token not in page and str(known.patient.public_id) not in page
    assert Patient.objects.count() == 1
    assert Queue.objects.count() == 1


def test_the_sent_page_is_headed_check_your_phone(client, typed, register):
    register(phone="+14155550160", name="A. Patel")

    page = client.post("/patients/register/", typed, follow=True).content.decode()

    assert re.findall(r"<h1\b[^>]*>(.*?)</h1>", page) == ["Check your phone"]


@pytest.mark.parametrize("query", ["", "?to=forged", '?to="\u2022\u2022\u2022\u2022\u2022\u20229999"'])
def test_the_sent_page_without_a_registration_goes_back_to_the_form(client, db, query):
    response = client.get(f"/patients/register/sent/{query}")

    assert (response.status_code, response["Location"]) == (302, "/patients/register/")


def test_reception_staff_registering_a_known_phone_see_the_token_to_tell_the_patient(
    client, typed, register, make_user
):
    known = register(phone="+14155550160", name="A. Patel")
    staff = make_user()
    AdminUser.objects.create(user=staff)
    client.force_login(staff)

    response = client.post("/patients/register/", {**typed, "priority": "normal"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/patients/registered/{known.public_id}/"
    assert known.token in response.content.decode()
    known.patient.refresh_from_db()
    assert known.patient.name == "Asha Patel"


def test_reception_staff_are_told_when_the_patient_keeps_the_token_they_hold(client, typed, register, make_user):
    # Shown only "You are registered", the desk took the patient's own token for a new one at the back of the line.
    known = register(phone="+14155550160", name="A. Patel")
    staff = make_user()
    AdminUser.objects.create(user=staff)
    client.force_login(staff)

    page = client.post("/patients/register/", {**typed, "priority": "normal"}, follow=True).content.decode()

    assert f"{known.token} is this patient&#x27;s token here today already: it keeps its place in line." in page
    assert Queue.objects.count() == 1


def test_reception_staff_are_told_when_a_registration_recalls_a_missed_turn(
    client, typed, register, make_user, make_doctor, department
):
    known = register(phone="+14155550160", name="A. Patel")
    doctor = make_doctor(department=department)
    services.skip(entry=services.call_next(doctor=doctor))
    staff = make_user()
    AdminUser.objects.create(user=staff)
    client.force_login(staff)

    page = client.post("/patients/register/", {**typed, "priority": "normal"}, follow=True).content.decode()

    assert f"{known.token} had missed their turn today: the token is back in line at its own place." in page
    known.refresh_from_db()
    assert known.status == Queue.Status.WAITING


def test_reception_staff_registering_a_new_walk_in_are_told_nothing_more(client, typed, make_user):
    staff = make_user()
    AdminUser.objects.create(user=staff)
    client.force_login(staff)

    page = client.post("/patients/register/", {**typed, "priority": "normal"}, follow=True).content.decode()

    assert "token here today already" not in page and "missed their turn" not in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Enter your name."),
        ("phone", "12345", "Enter a valid phone number"),
        ("age", "131", "Enter your age in years, from 0 to 130."),
        ("age", "-2", "Enter your age in years, from 0 to 130."),
        ("age", "34.5", "Enter your age in years, from 0 to 130."),
        ("department", "999999", "Choose one of the departments open for registration."),
        ("notes", "x" * 1001, "at most 1000 characters"),
    ],
)
def test_form_errors_show_next_to_their_field_and_typed_values_are_kept(client, typed, field, value, message):
    response = client.post("/patients/register/", {**typed, field: value})

    assert response.status_code == 400
    page = response.content.decode()
    error = re.search(rf'id="id_{field}_error">([^<]*)<', page)
    assert error and message in error.group(1)
    assert re.search(rf'<(input|select|textarea)[^>]*is-invalid[^>]*id="id_{field}"', page)
    assert 'value="Asha Patel"' in page or field == "name"
    assert "Cough for a week" in page or field == "notes"
    assert not Queue.objects.exists()


def test_a_field_in_error_is_described_by_its_error_and_its_hint_still_shown(client, typed):
    page = client.post("/patients/register/", {**typed, "phone": "12"}).content.decode()

    phone = re.search(r'<input[^>]*id="id_phone"[^>]*>', page).group(0)
    assert 'aria-describedby="id_phone_error id_phone_helptext"' in phone
    assert 'id="id_phone_helptext"' in page


def test_the_masked_phone_reads_left_to_right_on_a_right_to_left_page(client, typed, register):
    register(phone="+14155550160")
    client.cookies["django_language"] = "ar"

    page = client.post("/patients/register/", typed, follow=True).content.decode()

    assert re.search(r'data-field="masked_phone"><bdi dir="ltr">\u2022{6}\d{4}</bdi>', page)


def test_form_errors_are_summed_up_above_the_form_each_naming_its_field_and_leading_to_it(client, typed):
    """A screen reader starts at the summary (focused on load) and hears which fields to correct, not a bare
    "This field is required." four times over."""
    response = client.post("/patients/register/", {**typed, "name": "", "age": "-4"})

    summary = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", response.content.decode(), re.S)
    assert summary and "autofocus" in summary.group(0) and 'role="alert"' in summary.group(0)
    items = re.findall(r'<li><a class="alert-link" href="#(id_\w+)">([^<]*)</a></li>', summary.group(1))
    assert [(target, words.split(":")[0]) for target, words in items] == [("id_name", "Name"), ("id_age", "Age")]
    assert items[0][1] == "Name: Enter your name."


NOTHING_TYPED = {"name": "", "phone": "", "age": "", "gender": "female", "department": ""}


def test_an_empty_registration_says_what_each_field_needs_in_words(client, department):
    response = client.post("/patients/register/", NOTHING_TYPED)

    summary = re.findall(r'<li><a class="alert-link" href="#id_\w+">([^<]*)</a></li>', response.content.decode())
    assert summary == [
        "Name: Enter your name.",
        "Phone: Enter your phone number.",
        "Age: Enter your age.",
        "Department: Choose a department.",
    ]


def test_no_empty_field_is_refused_in_django_s_generic_words_in_hindi(client, department):
    client.cookies["django_language"] = "hi"

    page = client.post("/patients/register/", NOTHING_TYPED).content.decode()

    assert "यह क्षेत्र अपेक्षित हैं" not in page


def test_a_department_refusal_is_shown_on_the_department_field(client, typed, department):
    department.daily_capacity = 1
    department.save()
    client.post("/patients/register/", typed)

    response = client.post("/patients/register/", {**typed, "phone": "+14155550161"})

    assert re.search(r'id="id_department_error">[^<]*has issued its one token for today', response.content.decode())


def test_a_patient_posting_a_priority_still_gets_normal(client, typed):
    client.post("/patients/register/", {**typed, "priority": "emergency"})

    assert Queue.objects.get().priority == "normal"


def test_reception_staff_can_choose_a_priority(client, typed, make_user):
    staff = make_user()
    AdminUser.objects.create(user=staff)
    client.force_login(staff)

    assert 'name="priority"' in client.get("/patients/register/").content.decode()
    client.post("/patients/register/", {**typed, "priority": "emergency"})

    assert Queue.objects.get().priority == "emergency"


def embedded_visit(page):
    """The visit the status page's script draws first: its {{ visit|json_script:"visit-status" }} block."""
    found = re.search(r'<script id="visit-status" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_status_page_hands_its_script_the_visit_and_draws_no_figures_itself(client, department, register, make_doctor):
    serving = register(phone="+14155550171")
    services.call_patient(entry=serving, doctor=make_doctor(department=department))
    mine = register(phone="+14155550172")

    response = client.get(mine.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 200
    visit = embedded_visit(page)
    assert (visit["visit_id"], visit["token"], visit["position"]) == (mine.pk, "CARD-002", 1)
    assert visit["estimated_wait_minutes"] == 9  # The consultation just begun likeliest ends in 9 minutes.
    assert (visit["now_serving"], visit["status_display"]) == (["CARD-001"], "Waiting")
    # One renderer: the template leaves every figure to static/js/patient-status.js.
    for field in ("token", "department", "position", "estimated_wait_minutes", "status", "now_serving"):
        assert re.search(rf'data-field="{field}"[^>]*></', page), field
    assert "about 9 min" not in page
    assert f'data-status-url="/patients/api/visit/{mine.public_id}/status/"' in page
    assert "js/patient-status.js" in page
    assert "<noscript>" in page
    assert re.search(r'class="card[^"]* d-none" data-show="can_give_feedback"', page)


def test_the_status_page_of_a_token_of_an_earlier_day_says_it_is_no_longer_in_line(client, clock, register):
    mine = register(phone="+14155550173")
    clock.shift(timedelta(days=1))

    page = client.get(mine.get_absolute_url()).content.decode()

    visit = embedded_visit(page)
    assert (visit["expired"], visit["position"], visit["estimated_wait_minutes"]) == (True, None, None)
    # patient-status.js shows the notice (data-show) and writes the token's day into it.
    notice = re.search(r'data-show="expired">(.*?)</p>', page, re.S).group(1)
    assert 'data-field="date"' in notice and "no longer in line" in notice
    assert visit["status_display"] == "No longer in line"


def test_the_registered_page_of_a_token_of_an_earlier_day_says_it_is_no_longer_in_line(client, clock, register):
    mine = register(phone="+14155550174")
    registered = reverse("patients:registered", args=[mine.public_id])
    assert "You are registered." in client.get(registered).content.decode()

    clock.shift(timedelta(days=1))

    page = client.get(registered).content.decode()
    assert "You are registered." not in page
    assert f"This token was for {date_format(mine.token_date, 'D j M Y')} and is no longer in line." in page
    # Nothing to follow any more: no QR code or button to the status page, a way to register again instead.
    assert "Follow my place in line" not in page and "<svg" not in page
    assert reverse("patients:register") in page and "Register again" in page


def test_status_of_unknown_patient_is_404(client, db):
    assert client.get("/patients/status/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_after_completion_the_status_page_takes_feedback_once(client, register, complete_visit):
    entry = complete_visit(register())
    url = entry.get_absolute_url()
    page = client.get(url).content.decode()
    assert embedded_visit(page)["can_give_feedback"] is True

    response = client.post(url, {"rating": "4", "comment": "Friendly"}, follow=True)

    assert PatientFeedback.objects.get().rating == 4
    page = response.content.decode()
    assert page.count("Thank you for your feedback.") == 1
    assert embedded_visit(page)["feedback_given"] is True
    again = client.post(url, {"rating": "1"})
    assert "already been given" in again.content.decode()
    assert PatientFeedback.objects.get().rating == 4


def test_a_finished_visit_shows_no_place_in_line_or_wait_even_before_its_script_runs(client, register, complete_visit):
    waiting, finished = register(), complete_visit(register())

    figures = re.compile(r'<div class="visit-figures text-center mb-3( d-none)?" data-show="position"[^>]*>')
    assert figures.search(client.get(waiting.get_absolute_url()).content.decode()).group(1) is None
    assert figures.search(client.get(finished.get_absolute_url()).content.decode()).group(1) == " d-none"


def test_a_registration_confirmation_opened_after_the_visit_shows_no_place_in_line(client, register, complete_visit):
    finished = complete_visit(register())

    page = client.get(reverse("patients:registered", args=[finished.public_id])).content.decode()

    assert finished.token in page
    assert "Your place in line" not in page and 'data-field="position"' not in page


def test_feedback_form_errors_are_shown_and_nothing_is_stored(client, register, complete_visit):
    entry = complete_visit(register())

    response = client.post(entry.get_absolute_url(), {"rating": "9", "comment": "x" * 2001})

    page = response.content.decode()
    assert "Select a valid choice" in page
    assert re.search(r'id="id_comment_error">[^<]*at most 2000 characters', page)
    assert not PatientFeedback.objects.exists()


def test_feedback_without_a_rating_asks_for_one_in_words(client, register, complete_visit):
    entry = complete_visit(register())

    page = client.post(entry.get_absolute_url(), {"comment": "Friendly"}).content.decode()

    rating = re.search(r'<a class="alert-link" href="#id_rating_0">([^<]*)</a>', page)
    assert rating and rating.group(1) == "How was your visit? (5 is best): Choose a rating for your visit."


def test_a_finished_visits_link_says_in_its_title_and_heading_that_the_visit_is_complete(
    client, register, complete_visit
):
    waiting = register()
    finished = complete_visit(register())

    waiting_page = client.get(waiting.get_absolute_url()).content.decode()
    finished_page = client.get(finished.get_absolute_url()).content.decode()

    assert "<title>Your place in line · SmartQueue</title>" in waiting_page
    assert "<title>Your visit is complete · SmartQueue</title>" in finished_page
    assert '<h1 class="visually-hidden">Your visit is complete</h1>' in finished_page


def test_a_called_visits_link_says_in_its_title_and_heading_that_it_is_the_patients_turn(
    client, register, make_doctor
):
    entry = register()
    services.call_patient(entry=entry, doctor=make_doctor(department=entry.department))

    page = client.get(entry.get_absolute_url()).content.decode()

    assert "<title>It&#x27;s your turn · SmartQueue</title>" in page
    assert '<h1 class="visually-hidden">It&#x27;s your turn</h1>' in page


def test_every_rating_choice_is_described_by_an_error_on_the_page(client, register, complete_visit):
    entry = complete_visit(register())

    page = client.post(entry.get_absolute_url(), {"comment": "Friendly"}).content.decode()

    described_by = re.findall(r'<input [^>]*name="rating"[^>]*aria-describedby="([^"]+)"', page)
    assert len(described_by) == 5
    assert all(re.search(rf'id="{ref}">Choose a rating for your visit.<', page) for ref in set(described_by))


def test_feedback_before_completion_is_refused_on_the_page(client, register):
    entry = register()

    response = client.post(entry.get_absolute_url(), {"rating": "5"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "once the consultation" in page
    # The card holding the refusal is in sight, though a waiting visit does not offer feedback.
    assert re.search(r'<div class="card card-body text-start shadow-sm" data-show="can_give_feedback" '
                     r'data-shown-for-its-errors>', page)
    assert not PatientFeedback.objects.exists()


def test_the_form_says_when_online_registration_is_closed(client, typed):
    SystemConfiguration.objects.create(registration_open=False)

    response = client.post("/patients/register/", typed)

    assert "Online registration is closed" in response.content.decode()
    assert 'value="Asha Patel"' in response.content.decode()
    assert not Queue.objects.exists()


def test_the_registered_page_is_headed_by_the_token(client, typed):
    page = client.post("/patients/register/", typed, follow=True).content.decode()
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert [" ".join(re.sub(r"<[^>]+>", " ", heading).split()) for heading in headings] == ["Your token CARD-001"]


def test_a_field_given_twice_is_refused_naming_it_and_nothing_is_registered(client, typed):
    body = urlencode({**typed, "name": ["Asha Patel", "Someone Else"]}, doseq=True)

    response = client.post("/patients/register/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ['"Name" is given more than once.']
    assert not Patient.objects.exists()


def test_a_choice_left_out_is_refused_naming_it_not_as_this_field_is_required(client, typed):
    del typed["gender"]

    response = client.post("/patients/register/", typed, HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 400
    assert response.context["form"].errors["gender"] == ["Elija «Sexo»."]
    assert not Patient.objects.exists()


EMERGENCY_NOTICE = (
    "A medical emergency? Please do not wait in line: tell the reception desk or any member of staff now."
)


def test_patients_taking_their_own_token_are_told_an_emergency_does_not_wait_in_line(client, department, make_user):
    # Only the desk can give a token the emergency priority: a patient with chest pain taking a token on their
    # phone or at the kiosk was put behind every cough in the line, and nothing on either page said otherwise.
    for page in (client.get("/patients/register/"), client.get("/kiosk/card/")):
        text = page.content.decode()
        assert EMERGENCY_NOTICE in text
        assert text.index(EMERGENCY_NOTICE) < text.index('name="name"')

    staff = make_user()
    AdminUser.objects.create(user=staff)
    client.force_login(staff)
    assert EMERGENCY_NOTICE not in client.get("/patients/register/").content.decode()


def test_the_registration_page_and_kiosk_name_the_departments_no_doctor_will_see_patients_in_today(
    client, department, make_department, make_doctor, make_user
):
    # ENT's one doctor was recorded absent: a patient took ENT's token on the page (and the desk issued one) with
    # no word of it, and the token's page then sent them to the desk "No doctor is expected back today".
    from datetime import time

    from django.utils import timezone

    from doctors.models import DoctorAbsence, DoctorSchedule

    make_doctor(department=department)
    ent = make_department(name="ENT", code="ENT")
    sick = make_doctor(department=ent)
    DoctorSchedule.objects.create(
        doctor=sick, weekday=timezone.localdate().weekday(), starts_at=time(0), ends_at=time(23)
    )
    DoctorAbsence.objects.create(doctor=sick, day=timezone.localdate(), reason="Sick")

    for url in ("/patients/register/", "/kiosk/ent/"):
        page = client.get(url).content.decode()
        notice = re.search(r'id="no-doctor-today">(.*?)</div>', page, re.S).group(1)
        assert "No doctor is expected back today in:" in notice and "<li>ENT</li>" in notice
        assert "Cardiology" not in notice
        assert "Please ask at the desk before taking a token there." in notice
        assert page.index('id="no-doctor-today"') < page.index('name="name"')
    assert 'id="no-doctor-today"' not in client.get("/kiosk/card/").content.decode()

    staff = make_user()
    AdminUser.objects.create(user=staff)
    client.force_login(staff)
    assert "A patient registered there will not be seen today." in client.get("/patients/register/").content.decode()


@pytest.mark.parametrize(
    "role, offered",
    [
        ("visitor", ["Doctor sign-in", "Admin sign-in"]),
        ("doctor", ["My dashboard", "Today's bookings"]),
        ("admin", ["Admin panel", "Today's bookings"]),
    ],
)
def test_the_public_menu_offers_staff_their_own_pages_not_the_sign_in_links(
    client, department, make_doctor, admin_user, role, offered
):
    # A receptionist registering a walk-in on the public form was offered "Doctor sign-in" and "Admin sign-in".
    if role == "doctor":
        client.force_login(make_doctor(department=department).user)
    elif role == "admin":
        client.force_login(admin_user)

    page = client.get(reverse("patients:register")).content.decode()

    menu = html.unescape(re.search(r'<ul class="navbar-nav[^"]*">(.*?)</ul>', page, re.S).group(1))
    labels = ("Doctor sign-in", "Admin sign-in", "My dashboard", "Admin panel", "Today's bookings")
    links = [label for label in labels if label in menu]
    assert links == offered


def test_the_page_after_the_desk_registers_a_patient_speaks_to_the_desk_and_leads_to_the_next(
    admin_client, typed
):
    # It said "You are registered. Keep this page..." to the receptionist, with no way on to the next patient.
    page = admin_client.post("/patients/register/", {**typed, "priority": "normal"}, follow=True).content.decode()

    assert "Token CARD-001 is registered. The patient can scan the code to follow their turn" in page
    assert "You are registered." not in page
    assert f'href="{reverse("patients:register")}">Register the next patient</a>' in page


def test_the_page_after_the_desk_registers_a_patient_again_names_the_token_they_already_hold(
    admin_client, client, typed, department, make_department, make_doctor
):
    # The desk that registers a patient a second time, to put right a wrong department, left the first token in its
    # line with no word of it: it was called later, in front of nobody.
    orthopaedics = make_department(name="Orthopaedics", code="ORTH")
    make_doctor(department=orthopaedics)
    admin_client.post("/patients/register/", {**typed, "priority": "normal"})

    response = admin_client.post(
        "/patients/register/", {**typed, "department": str(orthopaedics.pk), "priority": "normal"}, follow=True
    )

    page = " ".join(response.content.decode().split())
    assert "Token ORTH-001 is registered." in page
    assert (
        "Asha Patel also holds token CARD-001 in Cardiology (Waiting). If that one is a mistake, cancel it from "
        "Find a patient's token, or it will be called." in page
    )
    # The patient's own copy of the page (the link is theirs) does not list their other tokens.
    assert "also holds" not in client.get(response.redirect_chain[-1][0]).content.decode()
