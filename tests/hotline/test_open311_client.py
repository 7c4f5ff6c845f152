"""Our Open311 endpoint read by a client nobody here wrote: ``georeport`` from PyPI (a
read-only GeoReport v2 client: services, a definition, requests, one request), over HTTP
against the live server, in JSON and in XML."""

import pytest
from django.test import Client

from tests.conftest import IN_CI
from tongban.hotline import services

from .conftest import NOISE

# A test dependency ([test] extra): under CI=true a missing client fails the run, never skips it.
if IN_CI:
    import georeport
else:
    georeport = pytest.importorskip("georeport")

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_a_definition_and_requests(hl, live_server, fmt):
    key = services.open311_client_create(name="georeport")[1]
    body = {
        "api_key": key,
        "service_code": "env-noise",
        "lat": "31.2281",
        "long": "121.5251",
        "description": NOISE,
        "attribute[noise_source]": "construction",
    }
    posted = Client(enforce_csrf_checks=True).post("/open311/v2/requests.json", body)
    number = posted.json()[0]["service_request_id"]

    client = georeport.GeoReport(
        f"{live_server.url}/open311/v2",
        jurisdiction="shanghai.tongban",
        output_format=fmt,
    )
    listed = client.get_service_list()
    assert len(listed) == 49
    noise = next(s for s in listed if s["service_code"] == "env-noise")
    assert (noise["service_name"], noise["group"]) == ("噪声扰民", "环境")

    definition = client.get_service_definition("env-noise")
    assert definition["service_code"] == "env-noise"
    attributes = definition["attributes"]
    first = attributes[0] if fmt == "json" else attributes["attribute"][0]
    assert (first["code"], first["datatype"]) == ("noise_source", "singlevaluelist")

    requests_ = client.get_service_requests(service_code="env-noise", status="open")
    one = requests_[0] if fmt == "json" else requests_  # xmltodict: one element, a dict
    assert (one["service_request_id"], one["status"]) == (number, "open")
    single = client.get_service_request(number)
    assert (single["service_code"], single["description"]) == ("env-noise", NOISE)
