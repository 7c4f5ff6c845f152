"""Durations on the case pages count properly in English (their own msgctxt, apart from the
guide's plain "N working days")."""

from django.template.loader import render_to_string
from django.utils import translation


def test_working_days_left_are_singular_and_plural_in_english():
    with translation.override("en"):
        one = render_to_string("portal/cases/_days_left.html", {"days": 1}).strip()
        five = render_to_string("portal/cases/_days_left.html", {"days": 5}).strip()
    assert (one, five) == ("1 working day", "5 working days")
    with translation.override("zh-hans"):
        assert render_to_string("portal/cases/_days_left.html", {"days": 1}).strip() == "1 个工作日"
