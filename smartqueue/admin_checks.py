"""The base of the project's Django admin pages: what Django's own ModelAdmin answers with a 500 for, refused, and
what it adds, changes and deletes, announced to the audit log."""

from dataclasses import dataclass, field

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.dispatch import Signal
from django.forms.models import BaseInlineFormSet

from .admin_json import CheckedJSONField
from .requests import client_ip


@dataclass(frozen=True)
class DjangoAdminChange:
    """One record added, changed or deleted on a Django admin page: by whom, from where, and the fields it changed
    (their values before and after, as the form held them)."""

    actor: object
    ip_address: str | None
    action: str  # "created", "updated" or "deleted"
    object_id: str
    object_repr: str
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)


# Sent (sender: the record's model) inside the page's transaction for each record a Django admin page adds, changes or
# deletes, with a DjangoAdminChange. The audit log subscribes (adminpanel.signals), as it does to the core's hook: a
# department, doctor, setting or account edited there is audited as the panel's edits are.
changed_in_django_admin = Signal()


class AnnouncesItsChanges:
    """A model admin whose adds, changes and deletions, inline rows included, are announced by
    changed_in_django_admin. A form's own fields (a new account's two passwords) are not the record's and are left
    out, and so are the unannounced_fields (a secret)."""

    unannounced_fields = ("password",)

    def save_model(self, request, obj, form, change):
        self.save_record(request, obj, form, change)
        self._announce_form(request, form, change=change)

    def save_record(self, request, obj, form, change):
        """How the page saves its record: as ModelAdmin does, unless a service of the app saves it."""
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        deleted = [row for row in formset.deleted_forms if row.instance.pk is not None]
        for row in deleted:
            self._announce_deletion(request, row.instance)
        stored_before = {row: row.instance.pk is not None for row in formset.forms if row not in deleted}
        super().save_formset(request, form, formset, change)
        for row, stored in stored_before.items():
            if row.has_changed() and row.instance.pk is not None:
                self._announce_form(request, row, change=stored)

    def delete_model(self, request, obj):
        self._announce_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._announce_deletion(request, obj)
        super().delete_queryset(request, queryset)

    def _announce_deletion(self, request, obj):
        # Before the deletion, while the record still has its id and its name.
        self._announce(request, type(obj), "deleted", object_id=obj.pk, object_repr=str(obj))

    def _announce_form(self, request, form, *, change):
        record = form.instance
        record_fields = {model_field.name for model_field in record._meta.get_fields()}
        changed = [
            name
            for name in form.changed_data
            if name in record_fields and name in form.cleaned_data and name not in self.unannounced_fields
        ]
        if change and not changed:
            return
        self._announce(
            request,
            type(record),
            "updated" if change else "created",
            object_id=record.pk,
            object_repr=str(record),
            before={name: form.initial.get(name) for name in changed} if change else {},
            after={name: form.cleaned_data[name] for name in changed},
        )

    def _announce(self, request, model, action, *, object_id, object_repr, before=None, after=None):
        changed_in_django_admin.send(
            sender=model,
            change=DjangoAdminChange(
                actor=request.user,
                ip_address=client_ip(request),
                action=action,
                object_id=str(object_id),
                object_repr=object_repr,
                before=before or {},
                after=after or {},
            ),
        )


class ChecksAgainOnConflict:
    """A model admin's add and change pages, refusing beside the field a unique value that another request saved
    after this one's checks (a form submitted twice at once) instead of the database's 500."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The page's changes were rolled back with the failed save; checked again, the value is refused.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            return super().changeform_view(request, object_id, form_url, extra_context)


class CheckedModelAdmin(AnnouncesItsChanges, ChecksAgainOnConflict, admin.ModelAdmin):
    """A model admin whose JSON fields are CheckedJSONField (expecting the kind of value the field's default is), and
    whose changes reach the audit log (AnnouncesItsChanges).
    Its lists' filters are checked for every admin page alike: a null character in the address by
    smartqueue.null_characters, a date out of range by smartqueue.admin_dates."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if not isinstance(db_field, models.JSONField):
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        default = db_field.get_default() if db_field.has_default() else None
        kind = type(default) if isinstance(default, (dict, list)) else None
        blank_value = None if db_field.null or kind is None else kind()
        return db_field.formfield(form_class=CheckedJSONField, kind=kind, blank_value=blank_value, **kwargs)


class ConstraintsCheckedInlineFormSet(BaseInlineFormSet):
    """An inline formset that checks each row it saves against the stored ones. Django leaves the parent's key out
    of a row's own checks and compares the posted rows only with one another, so a row duplicating one saved since
    the page was shown (or shown as new by an edited management form) reached the database's unique constraint:
    a 500."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form) or not form.is_valid():
                continue
            try:
                form.instance.validate_constraints()
            except ValidationError as error:
                form.add_error(None, error)


class NeitherAddedNorDeleted:
    """For records the app's services write and keep: seen (and, where a field is editable, corrected) in Django
    admin, never added or deleted there, where nothing would follow the rules that write them."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OnlyRead(NeitherAddedNorDeleted):
    """For records that are a record of what happened (the audit log, the daily roll-up): read, never changed."""

    def has_change_permission(self, request, obj=None):
        return False
