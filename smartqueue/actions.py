"""Staff actions, each defined once: a name, a label, its input form and the service call that returns the
message shown to staff. An app keeps one ActionTable of them (doctors.actions, adminpanel.actions); its HTML
page and its JSON API are thin adapters over that table (report_on_page, ActionFormView, api_response).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .form_input import OneValuePerFieldMixin, ReadableTextMixin
from .requests import client_ip
from .strict_types import form_field_schema, form_type_errors, undeclared_field_errors


# The field of a staff API's body that names the action; the others are the action's own.
ACTION_FIELD = "action"


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    # form(data, **context): the bound input declaration; its limits come from the model fields.
    form: Callable[..., forms.BaseForm]
    # run(form, **context): calls the service with the valid form's cleaned data; returns the message for staff.
    run: Callable[..., str]
    # Where a refusal by the hospital's rules (the table's domain error) is reported.
    refused_field: str = ACTION_FIELD
    # The fields a body may carry, for a form that cannot be built without its data (an edit of a chosen object).
    input_fields: Callable[[], Mapping[str, forms.Field]] | None = None

    def declared_fields(self):
        return self.input_fields() if self.input_fields else self.form(None).fields

    def request_schema(self):
        """The action's body as OpenAPI declares it: its name and its form's fields."""
        fields = self.declared_fields()
        return {
            "type": "object",
            "title": self.name,
            "properties": {
                ACTION_FIELD: {"type": "string", "enum": [self.name]},
                **{name: form_field_schema(field) for name, field in fields.items()},
            },
            "required": [ACTION_FIELD, *(name for name, field in fields.items() if field.required)],
            "additionalProperties": False,
        }


class ActionForm(OneValuePerFieldMixin, ReadableTextMixin, forms.Form):
    """An action's input: a plain form that also receives the adapter's context (the doctor, the actor...)."""

    def __init__(self, data=None, **context):
        super().__init__(data)
        self.context = context


@dataclass(frozen=True)
class Outcome:
    message: str | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def flat_field_errors(errors, prefix=""):
    """A serializer's nested errors as one level of field names, a list's items named as the services name them
    ("schedule[0].ends_at"), a nested serializer's own errors under its field: the staff endpoints' documented
    {"errors": {"<field>": [...]}}."""
    flat = {}
    for key, value in errors.items() if isinstance(errors, Mapping) else enumerate(errors):
        if str(key).isdigit():
            name = f"{prefix}[{key}]"
        elif key == api_settings.NON_FIELD_ERRORS_KEY and prefix:
            name = prefix
        else:
            name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) or any(not isinstance(item, str) for item in value):
            flat.update(flat_field_errors(value, name))
        elif value:
            flat.setdefault(name, []).extend(str(item) for item in value)
    return flat


def form_errors(form):
    return {name: [str(problem) for problem in problems] for name, problems in form.errors.items()}


class ActionTable:
    def __init__(self, *actions, refusals):
        self.actions = {action.name: action for action in actions}
        # The domain's exception class(es) whose message is a refusal meant for staff (e.g. QueueError).
        self.refusals = refusals

    def __getitem__(self, name):
        return self.actions[name]

    def choices(self):
        return [(action.name, action.label) for action in self.actions.values()]

    def request_schema(self):
        """The JSON body of the table's API as OpenAPI declares it: one of its actions, each with its fields."""
        return {"oneOf": [action.request_schema() for action in self.actions.values()]}

    def submit(self, data, **context):
        """Look up the action named by data["action"], validate its input, run it."""
        chooser = ActionForm(data)
        chooser.fields[ACTION_FIELD] = forms.ChoiceField(
            choices=self.choices(), error_messages={"required": _("Choose an action.")}
        )
        if not chooser.is_valid():
            return Outcome(errors=form_errors(chooser))
        return self.perform(self[chooser.cleaned_data[ACTION_FIELD]], data, **context)

    def perform(self, action, data, **context):
        form = action.form(data, **context)
        # A JSON value of another type than its field takes is refused, never coerced, and a field the action does
        # not declare (request_schema) is refused, never dropped (see strict_types).
        type_errors = {
            **undeclared_field_errors(data, {ACTION_FIELD, *action.declared_fields()}),
            **form_type_errors(data, form.fields),
        }
        if type_errors:
            # The other fields are checked too: every bad field in one answer, not one correction at a time.
            rest = action.form({name: value for name, value in data.items() if name not in type_errors}, **context)
            return Outcome(errors={**form_errors(rest), **type_errors})
        if not form.is_valid():
            return Outcome(errors=form_errors(form))
        return self.execute(action, form, **context)

    def execute(self, action, form, **context):
        """Run the action with its validated form."""
        try:
            message = action.run(form, **context)
        except (ValidationError, self.refusals) as error:
            return Outcome(errors=self.errors_from(error, action=action, form=form))
        return Outcome(message=message)

    def errors_from(self, error, *, action, form):
        """The one mapping from a domain error to field errors: a ValidationError keeps its fields (those the
        form does not have become non-field errors); a refusal goes on the action's refused_field."""
        if not isinstance(error, ValidationError):
            return {action.refused_field: [str(error)]}
        problems = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        errors = {}
        for name, texts in problems.items():
            errors.setdefault(name if name in form.fields else NON_FIELD_ERRORS, []).extend(texts)
        return errors


def report_on_page(request, outcome):
    """HTML adapter: the outcome as flash messages, in words (no raw field names)."""
    if outcome.message is not None:
        messages.success(request, outcome.message)
    for problems in outcome.errors.values():
        for problem in problems:
            messages.error(request, problem)


def show_on_form(form, outcome):
    """HTML adapter for a form page: a refusal's errors beside the form's fields."""
    for name, problems in outcome.errors.items():
        form.add_error(name if name in form.fields else None, problems)


class RefusedFormIs400:
    """For a form view: a page sent back with its form's errors answers 400, as the same input through the API
    does (Django's default is 200), so that scripts, proxies and monitoring see the input was refused."""

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ActionFormView(RefusedFormIs400, FormView):
    """HTML adapter for one action whose input is a page of fields: shows its form, runs it, redirects."""

    table = None
    action_name = ""

    def action_context(self):
        return {"actor": self.request.user, "ip_address": client_ip(self.request)}

    def action_data(self):
        return self.request.POST

    def blank_form(self):
        return self.table[self.action_name].form(None)

    def get_form(self, form_class=None):
        if self.request.method != "POST":
            return self.blank_form()
        return self.table[self.action_name].form(self.action_data(), **self.action_context())

    def form_valid(self, form):
        outcome = self.table.execute(self.table[self.action_name], form, **self.action_context())
        if outcome.errors:
            show_on_form(form, outcome)
            return self.form_invalid(form)
        messages.success(self.request, outcome.message)
        return redirect(self.get_success_url())


def api_response(outcome, answer):
    """JSON adapter: 200 with answer(message) when the action ran, else 400 {"errors": {field: [...]}}."""
    if outcome.message is None:
        return Response({"errors": outcome.errors}, status=status.HTTP_400_BAD_REQUEST)
    return Response(answer(outcome.message))
