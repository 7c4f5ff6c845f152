"""一窗受理 with a material an e-licence supplies: the applicant's valid licence stands for it;
an expired, suspended or revoked one does not — the clerk is told why (the words of
``cases.selectors.REUSE_REFUSALS``) and is given a file input for the paper copy, which then
takes the licence's place."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import GOOD_FORM
from tests.licences.conftest import RESIDENCE, LicenceWorld
from tongban.cases.models import Case
from tongban.licences import services as licence_services
from tongban.licences.models import Licence

from .conftest import PDF

pytestmark = pytest.mark.django_db
PERMIT = {"name": "居住证", "form": "original", "source": "licence", "licence_type_code": RESIDENCE}


@pytest.fixture
def lw(make):
    world = LicenceWorld(make)
    world.permit_item = world.publish(name="居住证签注", materials=[PERMIT])
    return world


def text(response) -> str:
    return response.content.decode()


def _entry_id(lw) -> int:
    return lw.permit_item.published.materials.get().pk


def _intake(client, lw, files=None):
    data = {"applicant-id_number": lw.person.id_number, "idempotency_key": "k1", **GOOD_FORM}
    data.update(files or {})
    return client.post(f"/workbench/counter/items/{lw.permit_item.pk}/", data)


def _pdf():
    return SimpleUploadedFile("permit.pdf", PDF, content_type="application/pdf")


def _expire(licence):
    Licence.objects.filter(pk=licence.pk).update(
        valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2021, 1, 1)
    )


def test_a_valid_licence_stands_for_the_material_with_no_file_input(lw, client):
    licence = lw.issue()
    client.force_login(lw.clerk_a.account)
    page = text(client.get(f"/workbench/counter/items/{lw.permit_item.pk}/"))
    assert "<strong>居住证</strong>：由电子证照提供" in page
    assert f'name="material-{_entry_id(lw)}"' not in page
    response = _intake(client, lw)
    assert response.status_code == 302
    (material,) = Case.objects.get().materials.all()
    assert (material.licence_id, material.trust_level) == (licence.pk, "A")


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (_expire, "您的居住证已过有效期，请上传材料。"),
        (
            lambda lic: licence_services.licence_suspend(
                staff=lic._head, licence_id=lic.pk, reason="核查"
            ),
            "您的居住证已暂停使用，请上传材料。",
        ),
        (
            lambda lic: licence_services.licence_revoke(
                staff=lic._head, licence_id=lic.pk, reason="欺骗", legal_basis="第六十九条"
            ),
            "您的居住证已被撤销，请上传材料。",
        ),
    ],
)
def test_an_unusable_licence_asks_for_the_paper_with_its_reason(lw, client, spoil, reason):
    licence = lw.issue()
    licence._head = lw.head_a
    spoil(licence)
    client.force_login(lw.clerk_a.account)
    refused = _intake(client, lw)
    assert refused.status_code == 422
    page = text(refused)
    entry = _entry_id(lw)
    assert (
        f'<p class="error" id="material-{entry}-error" data-testid="licence-refusal">{reason}</p>'
        in page
    )
    assert f'<input id="material-{entry}" name="material-{entry}" type="file"' in page
    assert Case.objects.count() == 0
    accepted = _intake(client, lw, files={f"material-{entry}": _pdf()})
    assert accepted.status_code == 302
    (material,) = Case.objects.get().materials.all()
    assert (material.licence_id, material.trust_level, material.name) == (None, "B", "居住证")
    assert material.file.name


def test_the_wrong_role_gets_no_counter_page(lw, client):
    lw.issue()
    client.force_login(lw.reviewer_a.account)
    assert client.get(f"/workbench/counter/items/{lw.permit_item.pk}/").status_code == 403
    assert _intake(client, lw).status_code == 403
    assert Case.objects.count() == 0
