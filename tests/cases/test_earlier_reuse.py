"""前序流程已收取: a material the applicant supplied in an earlier case of theirs that was approved,
uploaded within ``EARLIER_REUSE_DAYS``, stands for the same material (by name) of a new case:
offered on the apply page, recorded at submission as a row sharing the earlier file and linked
to it, counted in ``uploads_saved``; the reviewer sees the earlier case's number. A case refused,
withdrawn or decided against, a file too old, and someone else's case lend nothing; an upload of
the applicant's own always wins."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.workbench.conftest import PDF
from tongban.cases import selectors, services
from tongban.cases.models import CaseMaterial
from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEntry

from .conftest import GOOD_FORM, World

pytestmark = pytest.mark.django_db
ID_PROOF = {"name": "身份证明", "form": "original", "count": 1, "required": True}


class ReuseWorld(World):
    def __init__(self, make):
        super().__init__(make)
        self.first_item = self.publish(name="居住证办理", materials=[ID_PROOF])
        self.second_item = self.publish(name="居住证签注", materials=[ID_PROOF])

    def material_id(self, item) -> int:
        return item.published.materials.get().pk

    def filed(self, account=None, item=None):
        """A case of ``item`` with its 身份证明 uploaded, submitted."""
        form = GOOD_FORM if account is None else {**GOOD_FORM, "applicant_name": "李四"}
        account, item = account or self.account, item or self.first_item
        draft = services.case_create_draft(account=account, item_id=item.pk, form_data=form)
        upload = SimpleUploadedFile("sfz.pdf", PDF, content_type="application/pdf")
        services.case_material_add(
            account=account,
            case_id=draft.pk,
            name="身份证明",
            upload=upload,
            catalog_material_id=self.material_id(item),
        )
        return services.case_submit(account=account, case_id=draft.pk)

    def approved(self, account=None, decision="approved"):
        case = self.filed(account=account)
        services.case_pre_review_accept(staff=self.clerk_a, case_id=case.pk)
        services.case_review_start(staff=self.clerk_a, case_id=case.pk)
        reasons = "" if decision == "approved" else "不符合条件。"
        return services.case_decide(
            staff=self.reviewer_a, case_id=case.pk, decision=decision, reasons=reasons
        )

    def draft(self, account=None):
        return services.case_create_draft(
            account=account or self.account, item_id=self.second_item.pk, form_data=GOOD_FORM
        )


@pytest.fixture
def rw(make, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return ReuseWorld(make)


def _client(account):
    client = Client()
    client.force_login(account)
    return client


def test_an_approved_earlier_cases_file_stands_for_the_material(rw):
    earlier = rw.approved()
    original = earlier.materials.get()
    case = services.case_submit(account=rw.account, case_id=rw.draft().pk)
    (material,) = case.materials.all()
    assert (material.reused_from_id, material.file.name, material.sha256) == (
        original.pk,
        original.file.name,
        original.sha256,
    )
    assert (material.catalog_material_id, material.trust_level) == (
        rw.material_id(rw.second_item),
        "C",
    )
    assert material.uploaded_at == original.uploaded_at  # validity runs from the first upload
    assert case.uploads_saved == 1
    assert case.state == "pre_review"
    assert (
        case.events.filter(note=f"身份证明（前序流程已收取，办件 {earlier.number}）").count() == 1
    )
    entry = AuditEntry.objects.get(action="cases.case.material_earlier")
    assert entry.details == {"name": "身份证明", "from": earlier.number}


def test_the_apply_page_offers_it_and_the_case_page_and_api_agree(rw):
    earlier = rw.approved()
    client = _client(rw.account)
    page = client.get(f"/apply/items/{rw.second_item.pk}/").content.decode()
    assert "前序流程已收取，无需再次提交" in page
    assert f'<a href="/me/cases/{earlier.pk}/">办件 {earlier.number}</a>' in page
    assert f'name="material-{rw.material_id(rw.second_item)}"' in page  # may upload instead
    case = services.case_submit(account=rw.account, case_id=rw.draft().pk)
    page = client.get(f"/me/cases/{case.pk}/").content.decode()
    assert f'<a href="/me/cases/{earlier.pk}/">办件 {earlier.number}</a>' in page
    body = client.get(f"/api/v1/cases/{case.pk}").json()
    assert [(m["name"], m["reused_from_case"]) for m in body["materials"]] == [
        ("身份证明", earlier.number)
    ]


def test_the_reviewer_sees_the_earlier_case_number_and_downloads_through_this_case(rw):
    earlier = rw.approved()
    case = services.case_submit(account=rw.account, case_id=rw.draft().pk)
    material = case.materials.get()
    client = _client(rw.reviewer_a.account)
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert f"前序流程已收取（办件 {earlier.number}）" in page
    response = client.get(f"/workbench/cases/{case.pk}/materials/{material.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    download = AuditEntry.objects.get(action="cases.material.staff_download")
    assert download.subject_person_id == rw.person.pk
    assert download.details == {"material": material.pk, "number": case.number}


def test_an_upload_of_the_applicants_own_wins(rw):
    rw.approved()
    draft = rw.draft()
    upload = SimpleUploadedFile("new.pdf", PDF, content_type="application/pdf")
    services.case_material_add(
        account=rw.account,
        case_id=draft.pk,
        name="身份证明",
        upload=upload,
        catalog_material_id=rw.material_id(rw.second_item),
    )
    case = services.case_submit(account=rw.account, case_id=draft.pk)
    (material,) = case.materials.all()
    assert (material.reused_from_id, material.original_name, case.uploads_saved) == (
        None,
        "new.pdf",
        0,
    )


def _refused_submission(rw, account=None):
    draft = rw.draft(account=account)
    with pytest.raises(InvalidInput) as refused:
        services.case_submit(account=account or rw.account, case_id=draft.pk)
    assert refused.value.code == "case.materials_missing"
    assert CaseMaterial.objects.filter(case=draft).count() == 0


def test_a_case_decided_against_lends_nothing(rw):
    rw.approved(decision="rejected")
    _refused_submission(rw)


def test_a_withdrawn_case_lends_nothing(rw):
    case = rw.filed()
    services.case_withdraw(account=rw.account, case_id=case.pk)
    _refused_submission(rw)


def test_a_case_still_in_pre_review_lends_nothing(rw):
    rw.filed()
    _refused_submission(rw)


def test_a_file_older_than_the_limit_lends_nothing(rw):
    earlier = rw.approved()
    days = selectors.EARLIER_REUSE_DAYS
    old = timezone.now() - dt.timedelta(days=days, minutes=1)
    CaseMaterial.objects.filter(case=earlier).update(uploaded_at=old)
    _refused_submission(rw)
    CaseMaterial.objects.filter(case=earlier).update(uploaded_at=old + dt.timedelta(minutes=2))
    case = services.case_submit(account=rw.account, case_id=rw.draft().pk)
    assert case.materials.get().reused_from_id == earlier.materials.get().pk


def test_someone_elses_case_lends_nothing(rw):
    rw.approved(account=rw.other.account)
    _refused_submission(rw)
    page = _client(rw.account).get(f"/apply/items/{rw.second_item.pk}/").content.decode()
    assert "前序流程已收取" not in page


def test_the_counter_uses_the_walk_in_applicants_earlier_file(rw):
    """一窗受理: the walk-in applicant's earlier file stands for the paper, as online."""
    earlier = rw.approved()
    case = services.case_counter_create(
        staff=rw.clerk_a,
        item_id=rw.second_item.pk,
        id_number=rw.person.id_number,
        form_data={"address": "浦东新区世纪大道1号"},
    )
    (material,) = case.materials.all()
    assert material.reused_from_id == earlier.materials.get().pk
    assert case.uploads_saved == 1
