"""The base of the project's Django admin pages: what Django's own ModelAdmin answers with a 500 for, refused."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.forms.models import BaseInlineFormSet

from .admin_json import CheckedJSONField


class ChecksAgainOnConflict:
    """A model admin's add and change pages, refusing beside the field a unique value that another request saved
    after this one's checks (a form submitted twice at once) instead of the database's 500."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The page's changes were rolled back with the failed save; checked again, the value is refused.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            return super().changeform_view(request, object_id, form_url, extra_context)


class CheckedModelAdmin(ChecksAgainOnConflict, admin.ModelAdmin):
    """A model admin whose JSON fields are CheckedJSONField (expecting the kind of value the field's default is).
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
