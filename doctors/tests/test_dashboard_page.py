"""What the dashboard page reads before the day has figures."""

import re

from django.urls import reverse


def test_todays_averages_before_the_first_consultation_say_so_in_words(doctor_client):
    page = doctor_client.get(reverse("doctors:dashboard")).content.decode()

    averages = re.findall(r'data-statistic="average_\w+">([^<]*)<', page)
    assert averages == ["None yet", "None yet"]
