"""Admin panel actions: each one saves, writes an AuditLog row and, after commit, tells whoever must know."""

from functools import partial

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from doctors import services as doctor_services
from doctors.models import Doctor
from notifications.services import notify_broadcast
from patients import broadcasts
from patients.models import Department, other_site_languages
from patients.serializers import BroadcastSerializer
from smartqueue.shapes import represent

from .models import AdminUser, AuditLog
from .selectors import accounts_named, waiting_today

BROADCAST_MAX_LENGTH = 500


def record_audit(*, actor, action, target, before=None, after=None, ip_address=None):
    """Write one AuditLog row: who did what to which object, with its values before and after."""
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=target._meta.model_name,
        object_id=str(target.pk),
        object_repr=str(target)[:200],
        before=before or {},
        after=after or {},
        ip_address=ip_address,
    )


def _audit_values(instance, fields):
    # JSON-safe copies: times and dates as ISO text, related objects as their ids.
    return {
        field: value.isoformat() if hasattr(value, "isoformat") else value
        for field, value in model_to_dict(instance, fields=fields).items()
    }


def save_checked(instance):
    """Save a validated instance. A unique value that another request saved after this one's checks (one form
    submitted twice at once) is refused as the checks refuse it, naming the field, instead of a database error."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        instance.validate_unique()
        instance.validate_constraints()
        raise


@transaction.atomic
def save_with_audit(*, instance, changes, action, actor, ip_address=None, unaudited=()):
    """Apply field changes to a model instance (new, or as stored now), validate, save and audit before/after;
    the unaudited changes (a secret) are saved but kept out of the audit row.

    An existing record is read again under lock and only the changes are applied to it: the instance a form
    filled holds the values its page showed, and saving those would put back what others changed since.
    """
    fields = [field for field in changes if field not in unaudited]
    if instance.pk is not None:
        instance = type(instance).objects.select_for_update().get(pk=instance.pk)
    before = {} if instance.pk is None else _audit_values(instance, fields)
    for field, value in changes.items():
        setattr(instance, field, value)
    instance.full_clean()
    save_checked(instance)
    record_audit(
        actor=actor,
        action=action,
        target=instance,
        before=before,
        after=_audit_values(instance, fields),
        ip_address=ip_address,
    )
    return instance


@transaction.atomic
def save_doctor(*, instance, changes, action, actor, ip_address=None, unaudited=()):
    """save_with_audit for an existing doctor: one with a patient called or in consultation is not moved to another
    department or deactivated, and the bookings the old department cannot hold without them are released."""
    before = Doctor.objects.select_for_update().select_related("department").get(pk=instance.pk)
    doctor_services.refuse_leaving_with_a_patient(
        doctor=before,
        department=changes.get("department", before.department),
        is_active=changes.get("is_active", before.is_active),
    )
    doctor = save_with_audit(
        instance=instance, changes=changes, action=action, actor=actor, ip_address=ip_address, unaudited=unaudited
    )
    doctor_services.release_bookings_left_behind(before=before, doctor=doctor, actor=actor, ip_address=ip_address)
    return doctor


def username_taken(username):
    """Whether an account has this username as sign-in reads it (adminpanel.selectors.accounts_named): checked
    unfolded, "ＡＤＭＩＮ" passed as new and was stored as "ADMIN", a second account beside "admin" that reads the same
    in the audit log and the lists."""
    return bool(accounts_named(username))


@transaction.atomic
def create_doctor(*, username, password, first_name, last_name, department, actor, ip_address=None, **profile):
    """Create a doctor's login account and Doctor profile together, under the user model's own rules."""
    User = get_user_model()
    username = User.normalize_username(username)
    if username_taken(username):
        raise ValidationError({"username": _("The username '%(username)s' is taken.") % {"username": username}})
    user = User(username=username, first_name=first_name, last_name=last_name)
    user.set_password(password)
    # The model's validators (username characters and length, name lengths), whichever form or API called.
    user.full_clean()
    save_checked(user)
    return save_with_audit(
        instance=Doctor(user=user),
        # The administrator typed the first password: the doctor chooses their own at their first sign-in.
        changes={"department": department, "must_change_password": True, **profile},
        action="doctor.created",
        actor=actor,
        ip_address=ip_address,
    )


@transaction.atomic
def set_doctor_password(*, doctor, password, actor, ip_address=None):
    """Give a doctor who forgot their password a new one, which the administrator hands them in person: every
    sign-in of the account ends (its session auth hash changes) and the change is audited, the password not.

    An account that also runs the panel or Django admin is refused: a panel administrator could otherwise take
    over an account of more rights than their own. Its holder changes it, or a superuser in Django admin."""
    user = get_user_model().objects.select_for_update().get(pk=doctor.user_id)
    if user.is_staff or user.is_superuser or AdminUser.objects.filter(user=user).exists():
        raise ValidationError(
            _(
                "This account also runs the admin panel or Django admin: its holder changes its password, or a "
                "superuser in Django admin."
            )
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    doctor_services.password_chosen_by_an_administrator(user=user)
    record_audit(actor=actor, action="auth.password_set", target=user, ip_address=ip_address)
    return user


def broadcast_audience(department=None):
    """How many waiting patients a broadcast to one department (or all when None) reaches; none is refused.

    People, not tokens: a patient waiting in two departments is texted once (notifications.services)."""
    audience = waiting_today(department).values("patient_id").distinct().count()
    if not audience:
        scope = department.translated("name") if department else _("all departments")
        raise ValidationError(
            {
                "department": _("Nobody is waiting today (%(scope)s), so there is no one to send it to.")
                % {"scope": scope}
            }
        )
    return audience


def translation_field_name(field, language):
    """A translated field's own name on forms and in the API: "room_es", "message_ar"."""
    return f"{field}_{language}"


def broadcast_texts(*, message, translations=None):
    """The broadcast's texts as sent: {"message"} in the site's language, with {"translations": {"es": ...}} where any
    was given. A translation left empty is left out: its readers get the message. Refused naming the field
    ("message", "message_es") when a text is missing, too long, or in no other language of the site."""
    texts = {"message": _checked_broadcast_text("message", message)}
    if not texts["message"]:
        raise ValidationError({"message": _("Write the message to send.")})
    languages = other_site_languages()
    translated = {}
    for language, text in (translations or {}).items():
        field = translation_field_name("message", language)
        if language not in languages:
            raise ValidationError(
                {
                    field: _("%(language)s is not one of the site's other languages: %(languages)s.")
                    % {"language": language, "languages": ", ".join(languages)}
                }
            )
        if text := _checked_broadcast_text(field, text):
            translated[language] = text
    if translated:
        texts["translations"] = translated
    return texts


def _checked_broadcast_text(field, text):
    text = (text or "").strip()
    if len(text) > BROADCAST_MAX_LENGTH:
        raise ValidationError(
            {field: _("Keep the message under %(count)s characters.") % {"count": BROADCAST_MAX_LENGTH}}
        )
    return text


@transaction.atomic
def broadcast_message(*, message, translations=None, department=None, actor, ip_address=None, broadcast_id=None):
    """Send a message to every waiting patient of one department (or all active ones when None), each patient and
    screen reading it in their language where the admin translated it (translations: {"es": "..."}).

    broadcast_id: the confirmation that sent it, if any; sent again with the same id (a double click), it texts no
    patient a second time. Returns how many patients it reaches (broadcast_audience).
    """
    texts = broadcast_texts(message=message, translations=translations)
    audience = broadcast_audience(department)
    departments = [department] if department is not None else list(Department.objects.active())
    for target in departments:
        record_audit(actor=actor, action="broadcast.sent", target=target, after=texts, ip_address=ip_address)
        transaction.on_commit(
            partial(
                broadcasts.publish_department_change,
                event=broadcasts.BROADCAST_EVENT,
                department_id=target.pk,
                payload=represent(BroadcastSerializer, texts),
            )
        )
    transaction.on_commit(
        partial(
            notify_broadcast,
            **texts,
            department_id=department.pk if department is not None else None,
            broadcast_id=broadcast_id,
        )
    )
    return audience
