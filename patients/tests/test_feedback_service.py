import pytest

from adminpanel.models import AuditLog
from patients import services
from patients.models import PatientFeedback


def test_feedback_on_a_completed_visit_is_recorded_and_audited(register, complete_visit):
    entry = complete_visit(register())

    feedback = services.submit_feedback(entry=entry, rating=4, comment="  Kind staff.  ")

    assert (feedback.rating, feedback.comment, feedback.patient_id) == (4, "Kind staff.", entry.patient_id)
    audit = AuditLog.objects.get(action="feedback.submitted")
    assert audit.after == {"token": entry.token, "rating": 4}


def test_feedback_before_the_consultation_is_completed_is_refused(register):
    entry = register()

    with pytest.raises(services.FeedbackNotAllowed, match="once the consultation"):
        services.submit_feedback(entry=entry, rating=5)
    assert not PatientFeedback.objects.exists()


def test_a_visit_takes_feedback_only_once(register, complete_visit):
    entry = complete_visit(register())
    services.submit_feedback(entry=entry, rating=5)

    with pytest.raises(services.FeedbackNotAllowed, match="already been given"):
        services.submit_feedback(entry=entry, rating=1)
    assert PatientFeedback.objects.get().rating == 5


@pytest.mark.parametrize("rating, comment", [(0, ""), (6, ""), (3, "x" * 2001)])
def test_out_of_range_rating_or_long_comment_is_refused(register, complete_visit, rating, comment):
    entry = complete_visit(register())

    with pytest.raises(services.FeedbackNotAllowed):
        services.submit_feedback(entry=entry, rating=rating, comment=comment)
    assert not PatientFeedback.objects.exists()
