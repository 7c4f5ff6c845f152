"""A refused save of the apply or correction page keeps the good files with the draft, reports
every problem at once, and a new file for an entry of a draft replaces the earlier one."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.portal.case_fixtures import EXE, LEASE, PDF, PHOTO, PNG, CaseWorld
from tongban.cases import kept_uploads, services
from tongban.cases.models import Case, CaseMaterial
from tongban.core.errors import Conflict, InvalidInput
from tongban.core.models import AuditEntry

pytestmark = pytest.mark.django_db
ANSWERS = {
    "applicant_name": "王小明",
    "residence_basis": "租赁住房",
    "address": "浦东新区世纪大道100号",
}


@pytest.fixture
def world(make):
    return CaseWorld(make)


def ids(world):
    get = world.item.published.materials.get
    return get(name=PHOTO).pk, get(name=LEASE).pk


def save(world, uploads, *, form_data=ANSWERS, submit=True, key="page-1", **kwargs):
    return kept_uploads.case_application_save(
        account=world.person.account,
        item_id=world.item.pk,
        form_data=form_data,
        uploads=uploads,
        idempotency_key=key,
        submit=submit,
        **kwargs,
    )


def test_a_refused_first_submit_keeps_the_good_file_and_reports_every_problem(world):
    photo, lease = ids(world)
    with pytest.raises(InvalidInput) as refused:
        save(
            world,
            [(photo, SimpleUploadedFile("me.png", PNG)), (lease, SimpleUploadedFile("x.pdf", EXE))],
            form_data={**ANSWERS, "address": "浦东"},
        )

    assert refused.value.fields == {
        "form_data.address": "居住地址至少 4 个字。",
        f"materials.{lease}": "只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。",
    }
    case = Case.objects.get()
    assert (case.state, case.idempotency_key, case.form_data) == ("draft", "page-1", {})
    kept = CaseMaterial.objects.get()
    assert (kept.case, kept.name, kept.original_name, kept.trust_level) == (
        case,
        PHOTO,
        "me.png",
        "C",
    )
    assert kept.file.read() == PNG


def test_with_no_good_file_nothing_is_kept_not_even_a_draft(world):
    photo, _lease = ids(world)
    with pytest.raises(InvalidInput) as refused:
        save(world, [(photo, SimpleUploadedFile("x.pdf", EXE))], submit=False)
    assert refused.value.fields == {
        f"materials.{photo}": "只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"
    }
    assert not Case.objects.exists() and not CaseMaterial.objects.exists()


def test_the_next_save_of_the_page_replaces_the_kept_file_and_submits(
    world, django_capture_on_commit_callbacks
):
    photo, lease = ids(world)
    with pytest.raises(InvalidInput):
        save(world, [(photo, SimpleUploadedFile("first.png", PNG))])
    first = CaseMaterial.objects.get()
    storage, first_name = first.file.storage, first.file.name

    with django_capture_on_commit_callbacks(execute=True):
        case = save(
            world,
            [
                (photo, SimpleUploadedFile("second.png", PNG)),
                (lease, SimpleUploadedFile("l.pdf", PDF)),
            ],
        )

    assert (case.state, Case.objects.count()) == ("pre_review", 1)
    assert sorted(case.materials.values_list("name", "original_name")) == sorted(
        [(PHOTO, "second.png"), (LEASE, "l.pdf")]
    )
    assert not storage.exists(first_name)
    replaced = AuditEntry.objects.get(action="cases.case.material_replace")
    assert replaced.details == {"name": PHOTO, "file": "first.png"}


def test_a_refused_submit_keeps_the_earlier_file_when_the_new_one_is_bad(world):
    photo, _lease = ids(world)
    draft = save(world, [(photo, SimpleUploadedFile("good.png", PNG))], submit=False)
    with pytest.raises(InvalidInput) as refused:
        save(world, [(photo, SimpleUploadedFile("bad.pdf", EXE))], case_id=draft.pk)
    assert refused.value.fields[f"materials.{photo}"].startswith("只能上传 PDF、JPG 或 PNG 文件")
    assert list(draft.materials.values_list("original_name", flat=True)) == ["good.png"]


def test_a_refusal_that_is_not_about_the_input_keeps_nothing(world):
    offline = world.publish(name="线下事项", online_depth=["consult"], channels=["counter"])
    photo = offline.published.materials.get(name=PHOTO).pk
    with pytest.raises(Conflict) as refused:
        kept_uploads.case_application_save(
            account=world.person.account,
            item_id=offline.pk,
            form_data=ANSWERS,
            uploads=[(photo, SimpleUploadedFile("p.png", PNG))],
            idempotency_key="k",
            submit=True,
        )
    assert refused.value.code == "case.not_online"
    assert not Case.objects.exists() and not CaseMaterial.objects.exists()


def test_a_refused_correction_keeps_the_good_file_alongside_the_one_under_review(world):
    photo, lease = ids(world)
    case = save(
        world,
        [(photo, SimpleUploadedFile("p.png", PNG)), (lease, SimpleUploadedFile("l.pdf", PDF))],
    )
    services.case_request_correction(
        staff=world.clerk, case_id=case.pk, items=[{"target": LEASE, "reason": "模糊"}]
    )
    with pytest.raises(InvalidInput) as refused:
        kept_uploads.case_correction_save(
            account=world.person.account,
            case_id=case.pk,
            form_data={**ANSWERS, "address": "浦东"},
            uploads=[(lease, SimpleUploadedFile("clear.pdf", PDF))],
        )
    assert refused.value.fields["form_data.address"] == "居住地址至少 4 个字。"
    case.refresh_from_db()
    assert case.state == "correction_requested"
    assert sorted(case.materials.values_list("original_name", flat=True)) == [
        "clear.pdf",
        "l.pdf",
        "p.png",
    ]
