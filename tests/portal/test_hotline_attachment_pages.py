"""Attachments on 我要诉求: photos or documents filed with the request, checked as case uploads
are, listed on the requester's page, and downloaded from the workbench by the hotline office
and the handling department — another department, another role and bad files refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.hotline.conftest import NOISE, city, hl, providers  # noqa: F401 (fixtures)
from tongban.hotline import services
from tongban.hotline.models import Ticket, TicketAttachment

pytestmark = pytest.mark.django_db
NEW = "/hotline/new/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
WRONG_TYPE = "只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def photo(name="现场.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def file_with(client, *files):
    data = {"kind": "complaint", "text": NOISE, "address": "张杨路500弄1号"}
    return client.post(NEW, {**data, "attachments": list(files)})


def test_the_requester_files_with_photos_and_sees_them(client, hl):  # noqa: F811
    client.force_login(hl.citizen.account)
    assert 'type="file" name="attachments"' in client.get(NEW).content.decode()
    response = file_with(client, photo(), photo("夜间施工.png"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert [a.original_name for a in ticket.attachments.all()] == ["现场.png", "夜间施工.png"]
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="my-attachments"' in page and "夜间施工.png" in page


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([photo("现场.exe", b"MZ" + b"\0" * 30)], WRONG_TYPE),
        ([photo() for _ in range(4)], "最多上传 3 个附件（现为 4 个）。"),
    ],
)  # fmt: skip
def test_bad_attachments_say_why_and_file_nothing(client, hl, files, message):  # noqa: F811
    client.force_login(hl.citizen.account)
    response = file_with(client, *files)
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page and 'id="id_attachments_error"' in page
    assert (Ticket.objects.count(), TicketAttachment.objects.count()) == (0, 0)


def _dispatched_with_photo(hl):  # noqa: F811
    ticket = services.ticket_file(
        account=hl.citizen.account,
        kind="complaint",
        text=NOISE,
        address="张杨路500弄1号",
        attachments=[photo()],
    )
    services.ticket_dispatch(staff=hl.dispatcher, ticket_id=ticket.pk, category="env-noise")
    return ticket, ticket.attachments.get()


@pytest.mark.parametrize("who", ["dispatcher", "handler", "head"])
def test_the_office_and_the_department_download_the_photo(client, hl, who):  # noqa: F811
    ticket, attachment = _dispatched_with_photo(hl)
    client.force_login(getattr(hl, who).account)
    page = client.get(f"/workbench/hotline/tickets/{ticket.pk}/").content.decode()
    url = f"/workbench/hotline/tickets/{ticket.pk}/attachments/{attachment.pk}/"
    assert 'data-testid="ticket-attachments"' in page and f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert "attachment;" in response["Content-Disposition"]


def test_another_department_or_role_cannot_download(client, hl, make):  # noqa: F811
    ticket, attachment = _dispatched_with_photo(hl)
    url = f"/workbench/hotline/tickets/{ticket.pk}/attachments/{attachment.pk}/"
    clerk = make.staff(department=hl.dept["310115-hbj"], roles=["counter_clerk"])
    for staff in (hl.other, clerk):
        client.force_login(staff.account)
        assert client.get(url).status_code == 404
    client.force_login(hl.handler.account)
    assert client.get(f"{url[:-1]}0/").status_code == 404  # no such attachment on this ticket
    client.force_login(hl.citizen.account)
    assert client.get(url).status_code == 403
