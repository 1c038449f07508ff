"""A waiting patient moved back a few places at their request (LATE), once per visit."""

import pytest

from patients import services
from patients.models import Queue


def places(department):
    line = Queue.objects.waiting().day_in_service_order(
        department_id=department.pk, day=Queue.objects.first().token_date, fields=("id",)
    )
    return [row["id"] for row in line]


def test_moving_back_keeps_the_order_of_everyone_else(department, make_token):
    tokens = [make_token(department) for _ in range(5)]

    services.postpone_visit(entry=tokens[1], places=2)

    assert places(department) == [tokens[index].pk for index in (0, 2, 3, 1, 4)]


def test_only_as_far_as_the_end_of_its_priority(department, make_token):
    normal = [make_token(department) for _ in range(3)]
    emergency = make_token(department, priority="emergency")

    services.postpone_visit(entry=normal[0], places=10)

    assert places(department) == [emergency.pk, normal[1].pk, normal[2].pk, normal[0].pk]


def test_once_per_visit(department, make_token):
    first, *_ = [make_token(department) for _ in range(4)]
    services.postpone_visit(entry=first, places=1)

    with pytest.raises(services.PostponeRefused, match="already been moved back"):
        services.postpone_visit(entry=first, places=1)


@pytest.mark.parametrize("setup", ["last", "called"])
def test_refused_when_it_cannot_move_and_the_chance_is_kept(department, make_token, make_doctor, setup):
    first, second = make_token(department), make_token(department)
    if setup == "called":
        services.call_next(doctor=make_doctor(department=department))
        target = first
    else:
        target = second

    with pytest.raises(services.PostponeRefused):
        services.postpone_visit(entry=target, places=2)

    target.refresh_from_db()
    assert target.postponed_at is None
