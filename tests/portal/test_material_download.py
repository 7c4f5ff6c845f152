"""An applicant downloads the files of their own case: the bytes, as an attachment under the
original name, typed and not to be sniffed; nobody else (no other citizen, no staff) gets them."""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongban.cases import selectors, services
from tongban.cases.models import CaseMaterial
from tongban.core.errors import NotFound

from .case_fixtures import LEASE, PDF, PHOTO, PNG, CaseWorld

pytestmark = pytest.mark.django_db
ANSWERS = {
    "applicant_name": "王小明",
    "residence_basis": "租赁住房",
    "address": "浦东新区世纪大道100号",
}


@pytest.fixture
def world(make):
    return CaseWorld(make)


@pytest.fixture
def case(world):
    mid = world.item.published.materials.get
    return services.case_application_save(
        account=world.person.account,
        item_id=world.item.pk,
        form_data=ANSWERS,
        uploads=[
            (mid(name=PHOTO).pk, SimpleUploadedFile("证件照.png", PNG)),
            (mid(name=LEASE).pk, SimpleUploadedFile("lease.pdf", PDF)),
        ],
        submit=True,
    )


def _url(case, material):
    return f"/me/cases/{case.pk}/materials/{material.pk}/"


def test_the_applicant_downloads_their_file_under_its_original_name(client, world, case):
    photo = case.materials.get(name=PHOTO)
    client.force_login(world.person.account)

    response = client.get(_url(case, photo))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('证件照.png')}"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_ascii_name_is_sent_plainly(client, world, case):
    client.force_login(world.person.account)
    response = client.get(_url(case, case.materials.get(name=LEASE)))
    assert response["Content-Disposition"] == 'attachment; filename="lease.pdf"'
    assert response["Content-Type"] == "application/pdf"


def test_the_case_page_links_each_file(client, world, case):
    client.force_login(world.person.account)
    html = client.get(f"/me/cases/{case.pk}/").content.decode()
    for material_name, name in ((PHOTO, "证件照.png"), (LEASE, "lease.pdf")):
        url = _url(case, case.materials.get(name=material_name))
        assert f'已上传：<a href="{url}" data-testid="download">{name}</a> ' in html
    assert "（可替换）" not in html  # the case page only shows them


def test_another_citizen_gets_not_found(client, world, case):
    client.force_login(world.other.account)
    assert client.get(_url(case, case.materials.first())).status_code == 404


def test_staff_get_not_found_here_even_for_their_departments_case(client, world, case):
    client.force_login(world.reviewer.account)
    assert client.get(_url(case, case.materials.first())).status_code == 404


def test_a_material_of_another_case_or_none_at_all_is_not_found(client, world, case):
    mine = services.case_create_draft(account=world.person.account, item_id=world.item.pk)
    client.force_login(world.person.account)
    assert client.get(_url(mine, case.materials.first())).status_code == 404
    assert client.get(f"/me/cases/{case.pk}/materials/999999/").status_code == 404


def test_signed_out_goes_to_login(client, case):
    response = client.get(_url(case, case.materials.first()))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_selector_refuses_whatever_is_not_the_applicants(world, case):
    photo = case.materials.get(name=PHOTO)
    assert (
        selectors.case_material_for_applicant(
            account=world.person.account, case_id=case.pk, material_id=photo.pk
        )
        == photo
    )
    for account in (world.other.account, world.reviewer.account):
        with pytest.raises(NotFound) as refused:
            selectors.case_material_for_applicant(
                account=account, case_id=case.pk, material_id=photo.pk
            )
        assert refused.value.code == "case.material.not_found"


def test_the_original_name_is_kept_once_and_older_rows_fall_back_to_the_material_name(case):
    photo = case.materials.get(name=PHOTO)
    assert photo.original_name == "证件照.png" and photo.file.name.startswith("cases/")
    photo.save()
    assert CaseMaterial.objects.get(pk=photo.pk).original_name == "证件照.png"
    CaseMaterial.objects.filter(pk=photo.pk).update(original_name="")
    assert CaseMaterial.objects.get(pk=photo.pk).download_name == f"{PHOTO}.png"
