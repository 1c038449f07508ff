import logging
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from adminpanel.models import AdminUser, SystemConfiguration
from doctors.models import Doctor, departments_a_doctor_can_join
from doctors.services import replace_weekly_schedule
from notifications.defaults import install_default_templates
from patients import services
from patients.models import Department, Patient, Queue
from smartqueue.passwords import PUBLISHED_DEMO_PASSWORDS


@contextmanager
def messages_logged_quietly():
    """The demo patients' messages go through the notification tasks like real ones; each would log a line or
    two (sent to the console, or not sent as the visit moved on), dozens in all, burying what the command
    reports. Warnings (a failed send) still show."""
    notifications = logging.getLogger("notifications")
    level = notifications.level
    notifications.setLevel(logging.WARNING)
    try:
        yield
    finally:
        notifications.setLevel(level)


DEMO_DEPARTMENTS = [
    ("General Medicine", "GEN", "Room 1", 10, "Walk-in consultations and referrals."),
    ("Cardiology", "CARD", "Room 2", 15, "Heart and blood pressure."),
    ("Pediatrics", "PED", "Room 3", 12, "Children up to 16."),
    ("Orthopedics", "ORTH", "Room 4", 15, "Bones, joints and fractures."),
    ("Dermatology", "DERM", "Room 5", 10, "Skin and hair care."),
    ("ENT", "ENT", "Room 6", 8, "Ear, nose and throat."),
]
# The demo departments' names and rooms in the site's other languages, by code.
DEMO_DEPARTMENT_TRANSLATIONS = {
    "GEN": {
        "es": ("Medicina general", "Sala 1"),
        "hi": ("सामान्य चिकित्सा", "कमरा 1"),
        "ar": ("الطب العام", "الغرفة 1"),
    },
    "CARD": {"es": ("Cardiología", "Sala 2"), "hi": ("हृदय रोग", "कमरा 2"), "ar": ("أمراض القلب", "الغرفة 2")},
    "PED": {"es": ("Pediatría", "Sala 3"), "hi": ("बाल रोग", "कमरा 3"), "ar": ("طب الأطفال", "الغرفة 3")},
    "ORTH": {"es": ("Traumatología", "Sala 4"), "hi": ("हड्डी रोग", "कमरा 4"), "ar": ("جراحة العظام", "الغرفة 4")},
    "DERM": {"es": ("Dermatología", "Sala 5"), "hi": ("त्वचा रोग", "कमरा 5"), "ar": ("الأمراض الجلدية", "الغرفة 5")},
    "ENT": {
        "es": ("Otorrinolaringología", "Sala 6"),
        "hi": ("नाक-कान-गला रोग", "कमरा 6"),
        "ar": ("الأنف والأذن والحنجرة", "الغرفة 6"),
    },
}

DEMO_DOCTORS = [
    ("dr.smith", "John", "Smith", "CARD", "Cardiologist", "Room 2A", Doctor.Availability.AVAILABLE),
    ("dr.jones", "Sarah", "Jones", "CARD", "Cardiologist", "Room 2B", Doctor.Availability.ON_BREAK),
    ("dr.patel", "Anil", "Patel", "GEN", "General physician", "Room 1A", Doctor.Availability.AVAILABLE),
    ("dr.garcia", "Maria", "Garcia", "PED", "Pediatrician", "Room 3A", Doctor.Availability.AVAILABLE),
    ("dr.lee", "David", "Lee", "ORTH", "Orthopedic surgeon", "Room 4A", Doctor.Availability.BUSY),
    ("dr.brown", "Emily", "Brown", "DERM", "Dermatologist", "Room 5A", Doctor.Availability.AVAILABLE),
    ("dr.khan", "Imran", "Khan", "ENT", "ENT specialist", "Room 6A", Doctor.Availability.OFFLINE),
]

# The demo doctors' weekly hours (Monday to Friday 09:00-13:00 and 14:00-17:00, Saturday mornings): the booking
# pages have slots from the first `make run`.
DEMO_WEEK = [(weekday, time(9), time(13)) for weekday in range(6)] + [
    (weekday, time(14), time(17)) for weekday in range(5)
]

# A demo doctor's room ("Room 2A") in the site's other languages, by its number.
DEMO_ROOM_WORDS = {"es": "Consultorio %s", "hi": "कमरा %s", "ar": "الغرفة %s"}

# (name, age, gender, department code, priority, how far the visit got)
# How long the demo morning lasts, from the first visit's arrival to now.
DEMO_MORNING = timedelta(hours=3)
DEMO_VISITS = [
    ("Alice Walker", 54, "female", "CARD", "normal", "completed"),
    ("Bob Martin", 61, "male", "CARD", "high", "completed"),
    ("Chen Wei", 47, "male", "CARD", "normal", "skipped"),
    ("Divya Rao", 39, "female", "CARD", "normal", "in_consultation"),
    ("Ethan Hughes", 72, "male", "CARD", "emergency", "waiting"),
    ("Fatima Noor", 58, "female", "CARD", "normal", "waiting"),
    ("George Fox", 66, "male", "CARD", "normal", "waiting"),
    ("Hana Sato", 33, "female", "CARD", "high", "waiting"),
    ("Ivan Petrov", 29, "male", "GEN", "normal", "completed"),
    ("Julia Costa", 41, "female", "GEN", "normal", "called"),
    ("Kofi Mensah", 25, "male", "GEN", "normal", "waiting"),
    ("Lena Fischer", 36, "female", "GEN", "normal", "cancelled"),
    ("Mia Torres", 6, "female", "PED", "normal", "completed"),
    ("Noah Kim", 3, "male", "PED", "high", "waiting"),
    ("Omar Haddad", 9, "male", "PED", "normal", "waiting"),
    ("Priya Nair", 45, "female", "ORTH", "normal", "in_consultation"),
    ("Quentin Blake", 52, "male", "ORTH", "normal", "waiting"),
    ("Rosa Diaz", 31, "female", "DERM", "normal", "waiting"),
]


class Command(BaseCommand):
    help = "Install the configuration and default message templates; with --demo-data, demo accounts and queues."

    def add_arguments(self, parser):
        parser.add_argument("--demo-data", action="store_true", help="Create demo departments, accounts and patients.")
        parser.add_argument(
            "--force", action="store_true", help="Create the demo accounts (known passwords) even when DEBUG is off."
        )

    def handle(self, *args, **options):
        if options["force"] and not options["demo_data"]:
            # Alone it forced nothing: the operator who meant to load the demo was told only that all was ready.
            raise CommandError("--force only applies with --demo-data; nothing was installed.")
        if options["demo_data"] and not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to create demo accounts with known passwords (admin/admin123, dr.smith/doctor123) "
                "while DEBUG is off. Pass --force if this really is a demo server."
            )
        # Exits in reverse: the transaction commits (and its messages go out) while the senders are quiet.
        with messages_logged_quietly(), transaction.atomic():
            SystemConfiguration.load()
            templates = install_default_templates()
            self.stdout.write(f"Configuration ready; {templates} message template(s) installed.")
            if options["demo_data"]:
                self.install_demo_data()

    def install_demo_data(self):
        departments = {}
        for name, code, room, minutes, description in DEMO_DEPARTMENTS:
            departments[code], _ = Department.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "room": room,
                    "average_consultation_minutes": minutes,
                    "description": description,
                },
            )
            if not departments[code].translations:
                # Demo data loaded before departments had translations gain them; an admin's own are kept.
                departments[code].translations = {
                    language: {"name": translated_name, "room": translated_room}
                    for language, (translated_name, translated_room) in DEMO_DEPARTMENT_TRANSLATIONS[code].items()
                }
                departments[code].save(update_fields=["translations"])
        self.ensure_user("admin", "Site", "Administrator", PUBLISHED_DEMO_PASSWORDS["admin"], superuser=True)
        manager = self.ensure_user("admin.manager", "Hospital", "Manager", PUBLISHED_DEMO_PASSWORDS["admin"])
        AdminUser.objects.get_or_create(user=manager, defaults={"designation": "Operations manager"})
        doctors = {}
        joinable = set(departments_a_doctor_can_join().values_list("pk", flat=True))
        for username, first, last, code, specialization, room, availability in DEMO_DOCTORS:
            if departments[code].pk not in joinable and not Doctor.objects.filter(user__username=username).exists():
                # Deactivated by an admin: the demo adds no doctor to it, as no form would.
                continue
            user = self.ensure_user(username, first, last, PUBLISHED_DEMO_PASSWORDS["doctor"])
            doctor, _ = Doctor.objects.get_or_create(
                user=user,
                defaults={
                    "department": departments[code],
                    "specialization": specialization,
                    "room": room,
                    "availability": availability,
                },
            )
            if not doctor.translations and doctor.room == room:
                # As the departments': demo doctors loaded before rooms had translations gain them.
                number = room.removeprefix("Room ")
                doctor.translations = {
                    language: {"room": words % number} for language, words in DEMO_ROOM_WORDS.items()
                }
                doctor.save(update_fields=["translations"])
            if not doctor.schedule.exists():
                replace_weekly_schedule(doctor=doctor, intervals=DEMO_WEEK, actor=None)
            doctors.setdefault(code, doctor)
        visits = self.install_demo_morning(departments, doctors)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(departments)} departments, {len(DEMO_DOCTORS)} doctors, {visits} new visit(s) today."
            )
        )

    def ensure_user(self, username, first_name, last_name, password, superuser=False):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "is_staff": superuser,
                "is_superuser": superuser,
                "email": f"{username}@example.org",
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user

    def install_demo_morning(self, departments, doctors):
        """A morning of visits through the real services, then back-dated so waits look like a real clinic.

        Runs on every start (make run), so on a database left by earlier days or by use: the demo doctors'
        consultations left open on an earlier day are closed first, a doctor busy with today's patient, deactivated
        or moved is not made to call anyone (those demo visits stay waiting), and a department deactivated or full
        gets no demo visit.
        """
        today = timezone.localdate()
        self.close_earlier_days_consultations(set(doctors.values()), today)
        created = 0
        # The morning is the three hours before now, or as much of them as today has had: run just after
        # midnight, a morning of three hours would start on the day before, and today's reports with it.
        now = timezone.now()
        since_midnight = now - timezone.make_aware(datetime.combine(today, time.min))
        morning = min(DEMO_MORNING, since_midnight)
        morning_start, self.morning_scale = now - morning, morning / DEMO_MORNING
        for index, (name, age, gender, code, priority, outcome) in enumerate(DEMO_VISITS):
            # A real number's shape (555-01xx, kept for fiction): the demo's +1 555 numbers were refused by every form,
            # so the desk could not register a demo patient again, nor find them by the number they texted from.
            phone = f"+1202555{100 + index:04d}"
            patient, _ = Patient.objects.get_or_create(phone=phone, defaults={"name": name, "age": age, "gender": gender})
            if Queue.objects.filter(patient=patient, token_date=today).exists():
                continue
            try:
                entry = services.allocate_token(department=departments[code], patient=patient, priority=priority)
            except services.DepartmentUnavailable:
                # Deactivated or full by an admin's choice, which the demo keeps: it has no visit there today.
                continue
            checked_in = self.later(morning_start, minutes=6 * index)
            try:
                stamps = self.walk_visit(entry, doctors[code], outcome, checked_in)
            except services.QueueError as error:
                raise CommandError(f"Demo visit {entry.token} could not be taken to '{outcome}': {error}") from error
            Queue.objects.filter(pk=entry.pk).update(checked_in_at=checked_in, **stamps)
            created += 1
        return created

    def close_earlier_days_consultations(self, doctors, today):
        """A doctor's patient still called or in consultation from an earlier day blocks their next call; that
        day is over, so the called patient counts as a no-show and the consultation as finished."""
        leftovers = Queue.objects.with_a_doctor().filter(doctor__in=doctors, token_date__lt=today)
        for entry in leftovers:
            if entry.status == Queue.Status.CALLED:
                services.skip(entry=entry)
                continue
            services.complete_consultation(entry=entry, consultation_notes=entry.consultation_notes)
            # Finished at its own day's pace, not now: a consultation of a day and a half would skew that day's
            # reports and every later day's estimates.
            length = timedelta(minutes=entry.department.average_consultation_minutes)
            Queue.objects.filter(pk=entry.pk).update(completed_at=(entry.started_at or entry.called_at) + length)

    def later(self, moment, *, minutes):
        """So many minutes of the demo's morning after the moment (fewer when today has had less than a morning)."""
        return moment + timedelta(minutes=minutes) * self.morning_scale

    def walk_visit(self, entry, doctor, outcome, checked_in):
        if outcome == "waiting":
            return {}
        if outcome == "cancelled":
            services.cancel(entry=entry)
            return {"cancelled_at": self.later(checked_in, minutes=20)}
        if services.current_patient_of(doctor) is not None:
            # Someone is really being seen: the demo does not take the doctor away from them.
            return {}
        if not doctor.is_active or doctor.department_id != entry.department_id:
            # Deactivated or moved by an admin since: no one of the demo's is there to call the patient.
            return {}
        services.call_patient(entry=entry, doctor=doctor)
        called_at = self.later(checked_in, minutes=25)
        stamps = {"called_at": called_at, "first_called_at": called_at}
        if outcome == "skipped":
            services.skip(entry=entry)
            return {**stamps, "skipped_at": self.later(checked_in, minutes=30)}
        if outcome == "called":
            return stamps
        services.start_consultation(entry=entry)
        stamps["started_at"] = self.later(checked_in, minutes=27)
        if outcome == "completed":
            services.complete_consultation(entry=entry, consultation_notes="Reviewed; follow up in two weeks.")
            stamps["completed_at"] = self.later(checked_in, minutes=39)
        return stamps
