from django import forms
from django.contrib import admin

from patients import hooks
from smartqueue.admin_checks import CheckedModelAdmin
from smartqueue.requests import client_ip

from . import services
from .models import Doctor, departments_a_doctor_can_join


class DoctorAdminForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "department" in self.fields:
            self.fields["department"].queryset = departments_a_doctor_can_join(self.instance)

    # The dashboard's rules for a doctor with a patient called or in consultation hold here too.
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and "department" in cleaned and "is_active" in cleaned:
            try:
                services.refuse_leaving_with_a_patient(
                    doctor=self.instance, department=cleaned["department"], is_active=cleaned["is_active"]
                )
            except forms.ValidationError as error:
                self.add_error(None, error)
        if self.instance.pk is not None and "availability" in self.changed_data and "availability" in cleaned:
            try:
                services.refuse_off_duty_with_a_patient(
                    doctor=self.instance, availability=cleaned["availability"], told_to_the_doctor=False
                )
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned


class KeepsDoctorsWithAPatient:
    """A delete page (and the "delete selected" action) of records whose deletion deletes doctors: refused, listing
    why, while one of those doctors has a patient called or in consultation, as moving or deactivating them is, or
    has patients on record (deactivated instead, as the panel offers)."""

    def doctors_deleted_with(self, records):
        raise NotImplementedError

    def get_deleted_objects(self, objs, request):
        deleted, counts, permissions_needed, protected = super().get_deleted_objects(objs, request)
        doctors = list(self.doctors_deleted_with(objs))
        kept = [*services.still_with_their_patients(doctors), *services.with_patients_on_record(doctors)]
        return deleted, counts, permissions_needed, [*protected, *kept]


@admin.register(Doctor)
class DoctorAdmin(KeepsDoctorsWithAPatient, CheckedModelAdmin):
    form = DoctorAdminForm
    list_display = ["__str__", "department", "specialization", "room", "availability", "is_active"]
    list_filter = ["department", "availability", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "specialization"]
    list_select_related = ["user", "department"]
    raw_id_fields = ["user"]
    # Audited as the dashboard's and the panel's changes are (doctor.availability, doctor.deactivated or
    # doctor.reactivated; save_record), not as a generic admin update.
    unannounced_fields = (*CheckedModelAdmin.unannounced_fields, "availability", "is_active")

    def doctors_deleted_with(self, records):
        return records

    def get_readonly_fields(self, request, obj=None):
        # A doctor keeps the account they sign in with, as in the panel: given another here, their patients, calls and
        # audit rows would pass to whoever holds that account, and the one they signed in with would lose its page.
        return self.readonly_fields if obj is None else [*self.readonly_fields, "user"]

    def save_record(self, request, obj, form, change):
        # As the admin panel's save (adminpanel.services.save_doctor): bookings the old department can no longer hold
        # are released. The availability goes through the dashboard's service, audited and told to the department's
        # screens as a doctor's own change is: saved as a plain field, the boards kept showing the old one.
        before = Doctor.objects.select_related("department").get(pk=obj.pk) if change else None
        availability = obj.availability
        obj.availability = before.availability if before else Doctor._meta.get_field("availability").get_default()
        super().save_record(request, obj, form, change)
        if before is not None and before.is_active != obj.is_active:
            hooks.record_action(
                actor=request.user,
                action="doctor.reactivated" if obj.is_active else "doctor.deactivated",
                target=obj,
                before={"is_active": before.is_active},
                after={"is_active": obj.is_active},
                ip_address=client_ip(request),
            )
        if before is not None:
            services.release_bookings_left_behind(
                before=before, doctor=obj, actor=request.user, ip_address=client_ip(request)
            )
        if availability != obj.availability:
            services.set_availability(
                doctor=obj, availability=availability, actor=request.user, ip_address=client_ip(request)
            )
            obj.availability = availability
