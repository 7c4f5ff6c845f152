"""Open311 GeoReport v2 (``open311.py``), mounted at ``/open311/v2/``."""

from django.urls import re_path

from . import open311

app_name = "open311"
F = r"(?:\.(?P<fmt>json|xml))?$"

urlpatterns = [
    re_path(r"^discovery" + F, open311.discovery, name="discovery"),
    re_path(r"^services" + F, open311.services_list, name="services"),
    re_path(r"^services/(?P<code>[A-Za-z0-9_-]{1,50})" + F, open311.service_definition),
    re_path(r"^requests" + F, open311.requests, name="requests"),
    re_path(r"^servicerequestupdates" + F, open311.request_updates, name="updates"),
    re_path(r"^tokens/(?P<value>[A-Za-z0-9]{1,24})" + F, open311.token),
    re_path(r"^requests/(?P<number>[A-Za-z0-9]{1,24})" + F, open311.request_detail),
]
