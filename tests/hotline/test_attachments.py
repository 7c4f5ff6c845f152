"""A requester's attachments: checked by the same upload check case materials pass
(``core.uploads``), stored with the ticket, refused with nothing filed; the hotline office and
the handling department download them (audited), another department finds nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.hotline.conftest import city, dispatched, file_noise, hl, providers  # noqa: F401
from tongban.core.audit import AuditEntry
from tongban.core.errors import DomainError
from tongban.hotline import selectors
from tongban.hotline.models import Ticket, TicketAttachment

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n" + b"%" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def photo(name="现场.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_attachments_are_stored_with_the_ticket(hl):  # noqa: F811
    ticket = file_noise(hl, attachments=[photo(), photo("告知书.pdf", PDF)])
    rows = list(ticket.attachments.all())
    assert [(a.original_name, a.content_type, a.size) for a in rows] == [
        ("现场.png", "image/png", len(PNG)),
        ("告知书.pdf", "application/pdf", len(PDF)),
    ]
    assert rows[0].file.read() == PNG
    assert AuditEntry.objects.filter(action="hotline.ticket.attachment_add").count() == 2


@pytest.mark.parametrize(
    ("files", "code", "message"),
    [
        ([photo("现场.gif", b"GIF89a" + b"\0" * 20)], "hotline.attachment.type",
         "只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"),
        ([photo("现场.jpg")], "hotline.attachment.type",
         "只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"),
        ([photo() for _ in range(4)], "hotline.attachment.count",
         "最多上传 3 个附件（现为 4 个）。"),
    ],
)  # fmt: skip
def test_a_refused_attachment_files_nothing(hl, files, code, message):  # noqa: F811
    with pytest.raises(DomainError) as refused:
        file_noise(hl, attachments=files)
    assert (refused.value.status, refused.value.code, refused.value.message) == (422, code, message)
    assert refused.value.fields == {"attachments": message}
    assert (Ticket.objects.count(), TicketAttachment.objects.count()) == (0, 0)


def test_a_file_over_the_limit_is_refused_before_it_is_read(hl, settings):  # noqa: F811
    settings.TONGBAN_HOTLINE_UPLOAD_MAX_BYTES = 1024 * 1024
    big = photo(content=PNG + b"\0" * (2 * 1024 * 1024))
    with pytest.raises(DomainError) as refused:
        file_noise(hl, attachments=[big])
    assert refused.value.code == "hotline.attachment.too_large"
    assert refused.value.message == "文件过大（2.0 MB），单个文件不能超过 1 MB。"
    assert Ticket.objects.count() == 0


def test_the_desk_and_the_department_download_another_department_does_not(hl):  # noqa: F811
    ticket = dispatched(hl, attachments=[photo()])
    attachment = ticket.attachments.get()
    for staff in (hl.dispatcher, hl.handler):
        assert selectors.attachment_for_staff(staff, ticket.pk, attachment.pk) == attachment
    downloads = AuditEntry.objects.filter(action="hotline.ticket.attachment_staff_download")
    assert downloads.count() == 2
    assert downloads.first().subject_person_id == hl.citizen.pk
    for staff, wrong in ((hl.other, attachment.pk), (hl.handler, attachment.pk + 1000)):
        with pytest.raises(DomainError) as refused:
            selectors.attachment_for_staff(staff, ticket.pk, wrong)
        assert refused.value.status == 404
    assert downloads.count() == 2


def test_a_grid_inspectors_photos_are_checked_and_stored_alike(hl):  # noqa: F811
    from tests import factories
    from tongban.hotline import services
    from tongban.identity.choices import StaffRoleName as R

    inspector = factories.staff(hl.dept["310115004-office"], roles=[R.GRID_INSPECTOR])
    call = {"channel": "grid", "kind": "report", "text": "张杨路500弄门口占道摆摊",
            "address": "张杨路500弄1号"}  # fmt: skip
    with pytest.raises(DomainError) as refused:
        services.ticket_file_by_staff(staff=inspector, attachments=[photo("现场.jpg")], **call)
    assert refused.value.code == "hotline.attachment.type"
    assert Ticket.objects.count() == 0
    ticket = services.ticket_file_by_staff(staff=inspector, attachments=[photo()], **call)
    assert [a.original_name for a in ticket.attachments.all()] == ["现场.png"]
    assert selectors.grid_findings(inspector)[0].attachment_count == 1
