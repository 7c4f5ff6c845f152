"""Materials: PDF/JPG/PNG by content, size-limited; refusals change nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongban.cases import services
from tongban.cases.models import CaseMaterial
from tongban.core.errors import Conflict, Forbidden, InvalidInput

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture
def draft(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return services.case_create_draft(account=world.account, item_id=world.item.pk)


def _add(world, draft, name, content, content_type="application/pdf"):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return services.case_material_add(
        account=world.account, case_id=draft.pk, name="申请表", upload=upload
    )


def test_pdf_and_png_are_kept_with_trust_level_c(world, draft):
    pdf = _add(world, draft, "form.pdf", PDF)
    png = _add(world, draft, "photo.PNG", PNG, "image/png")
    assert (pdf.content_type, pdf.trust_level, pdf.size) == ("application/pdf", "C", len(PDF))
    assert png.content_type == "image/png" and len(pdf.sha256) == 64


def test_an_executable_renamed_pdf_is_refused(world, draft):
    with pytest.raises(InvalidInput) as err:
        _add(world, draft, "invoice.pdf", EXE)
    assert err.value.code == "case.upload.type" and "file" in err.value.fields
    assert CaseMaterial.objects.count() == 0


def test_content_must_match_the_extension(world, draft):
    with pytest.raises(InvalidInput):
        _add(world, draft, "scan.jpg", PDF, "image/jpeg")


class Huge(SimpleUploadedFile):
    """Claims 200 MB without holding it: the size is checked before anything is read."""

    def read(self, *args):  # pragma: no cover - must not be reached
        raise AssertionError("read before the size check")


def test_a_200_mb_upload_is_refused_before_reading(world, draft):
    upload = Huge("big.pdf", PDF, content_type="application/pdf")
    upload.size = 200 * 1024 * 1024
    with pytest.raises(InvalidInput) as err:
        services.case_material_add(
            account=world.account, case_id=draft.pk, name="大文件", upload=upload
        )
    assert err.value.code == "case.upload.too_large"
    assert "20 MB" in err.value.message
    assert CaseMaterial.objects.count() == 0


def test_the_limit_is_configurable(world, draft, settings):
    settings.TONGBAN_CASE_UPLOAD_MAX_BYTES = 10
    with pytest.raises(InvalidInput):
        _add(world, draft, "form.pdf", PDF)


def test_no_uploads_once_submitted_or_on_someone_elses_case(world, draft):
    services.case_update_draft(
        account=world.account,
        case_id=draft.pk,
        form_data={"applicant_name": "张三", "address": "世纪大道1号"},
    )
    services.case_submit(account=world.account, case_id=draft.pk)
    with pytest.raises(Conflict):
        _add(world, draft, "form.pdf", PDF)


def test_counter_staff_verify_an_upload_to_level_b_once(world, draft):
    material = _add(world, draft, "form.pdf", PDF)
    services.case_update_draft(account=world.account, case_id=draft.pk, form_data=GOOD_FORM)
    services.case_submit(account=world.account, case_id=draft.pk)  # a draft is not staff's
    with pytest.raises(Forbidden):  # another department
        services.case_material_verify(staff=world.clerk_b, material_id=material.pk)
    verified = services.case_material_verify(staff=world.clerk_a, material_id=material.pk)
    assert verified.trust_level == "B"
    with pytest.raises(Conflict) as err:
        services.case_material_verify(staff=world.clerk_a, material_id=material.pk)
    assert err.value.code == "case.material.trust"
