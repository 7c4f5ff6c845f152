"""A refused save of the apply or correction page keeps the good files with the draft, reports
every problem at once, and a new file for an entry of a draft replaces the earlier one."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from bench.cases_prepare import cookie_for, multipart
from tests.portal.case_fixtures import EXE, LEASE, PDF, PHOTO, PNG, CaseWorld
from tongban.cases import services
from tongban.cases.models import Case, CaseMaterial, CorrectionNotice
from tongban.core.audit import audit_verify
from tongban.core.errors import Conflict, InvalidInput
from tongban.core.models import AuditEntry

pytestmark = pytest.mark.django_db
BAD_TYPE = "只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"
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
    return services.case_application_save(
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
        f"materials.{lease}": BAD_TYPE,
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
    assert refused.value.fields == {f"materials.{photo}": BAD_TYPE}
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
    assert refused.value.fields[f"materials.{photo}"] == BAD_TYPE
    assert list(draft.materials.values_list("original_name", flat=True)) == ["good.png"]


def test_a_refusal_that_is_not_about_the_input_keeps_nothing(world):
    offline = world.publish(name="线下事项", online_depth=["consult"], channels=["counter"])
    photo = offline.published.materials.get(name=PHOTO).pk
    with pytest.raises(Conflict) as refused:
        services.case_application_save(
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
        services.case_correction_save(
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


def test_a_correction_after_its_deadline_keeps_nothing(world):
    photo, lease = ids(world)
    case = save(
        world,
        [(photo, SimpleUploadedFile("p.png", PNG)), (lease, SimpleUploadedFile("l.pdf", PDF))],
    )
    notice = services.case_request_correction(
        staff=world.clerk, case_id=case.pk, items=[{"target": LEASE, "reason": "模糊"}]
    )
    CorrectionNotice.objects.filter(pk=notice.pk).update(
        due=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(Conflict) as refused:
        services.case_correction_save(
            account=world.person.account,
            case_id=case.pk,
            form_data={**ANSWERS, "address": "浦东"},
            uploads=[(lease, SimpleUploadedFile("clear.pdf", PDF))],
        )
    assert refused.value.code == "case.correction_expired"
    assert sorted(case.materials.values_list("original_name", flat=True)) == ["l.pdf", "p.png"]


# Outside a test case's own transaction, as in production and the browser tests: the save and
# the keeping are two durable transactions one after the other, neither inside the other.


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_a_refused_submit_keeps_the_good_file(world):
    photo, lease = ids(world)
    with pytest.raises(InvalidInput) as refused:
        save(
            world,
            [(photo, SimpleUploadedFile("me.png", PNG)), (lease, SimpleUploadedFile("x.pdf", EXE))],
            form_data={**ANSWERS, "address": "浦东"},
        )

    assert refused.value.fields == {
        "form_data.address": "居住地址至少 4 个字。",
        f"materials.{lease}": BAD_TYPE,
    }
    case = Case.objects.get()
    assert (case.state, case.idempotency_key) == ("draft", "page-1")
    assert list(case.materials.values_list("name", "original_name")) == [(PHOTO, "me.png")]
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["cases.case.create", "cases.case.material_add"]
    assert audit_verify().intact


def _api_apply(account, fields, files):
    body, content_type = multipart(fields, files)
    cookie, token = cookie_for(account)
    return Client(enforce_csrf_checks=True).generic(
        "POST",
        "/api/v1/cases/apply",
        body,
        content_type=content_type,
        HTTP_COOKIE=cookie,
        HTTP_X_CSRFTOKEN=token,
    )


@pytest.mark.django_db(transaction=True)
def test_the_api_apply_keeps_the_good_file_and_the_next_apply_with_the_key_submits(world):
    photo, lease = ids(world)
    fields = {
        "item_id": str(world.item.pk),
        "form_data": json.dumps(ANSWERS),
        "idempotency_key": "api-1",
    }
    refused = _api_apply(
        world.person.account, fields, {f"material_{photo}": EXE, f"material_{lease}": PDF}
    )

    assert refused.status_code == 422, refused.content
    assert refused.json()["fields"] == {f"materials.{photo}": BAD_TYPE}
    draft = Case.objects.get()
    assert (draft.state, draft.idempotency_key) == ("draft", "api-1")
    assert list(draft.materials.values_list("name", flat=True)) == [LEASE]

    submitted = _api_apply(world.person.account, fields, {f"material_{photo}": PDF})

    assert submitted.status_code == 201, submitted.content
    assert submitted.json()["id"] == draft.pk
    draft.refresh_from_db()
    assert draft.state == "pre_review"
    assert sorted(draft.materials.values_list("name", flat=True)) == sorted([PHOTO, LEASE])
