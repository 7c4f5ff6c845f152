"""The grid inspector's page (网格巡查): a finding filed on the grid-patrol channel and listed
among the inspector's own; bad input said in Chinese with nothing filed; other roles refused,
and another inspector's findings not shown."""

import pytest

from tests import factories
from tests.hotline.conftest import VENDING, city, hl, providers  # noqa: F401 (fixtures)
from tongban.hotline.models import Ticket
from tongban.identity.choices import StaffRoleName as R

pytestmark = pytest.mark.django_db
GRID = "/workbench/hotline/grid/"
FOUND = {"kind": "report", "urgency": "normal", "text": VENDING, "address": "张杨路500弄1号"}


@pytest.fixture
def inspector(hl):  # noqa: F811
    return factories.staff(hl.dept["310115004-office"], roles=[R.GRID_INSPECTOR])


def test_an_inspector_files_a_finding_and_sees_it_listed(client, hl, inspector):  # noqa: F811
    client.force_login(inspector.account)
    assert "12345 网格巡查" in client.get("/workbench/").content.decode()
    assert "您还没有登记过巡查发现的问题。" in client.get(GRID).content.decode()
    response = client.post(GRID, FOUND)
    assert (response.status_code, response["Location"]) == (302, GRID)
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.kind, ticket.filed_by_id) == (
        "grid",
        "report",
        inspector.account_id,
    )
    page = client.get(GRID).content.decode()
    assert f'data-ticket="{ticket.number}"' in page and "已接收" in page
    assert f"已登记网格巡查工单 {ticket.number}，等待派单。" in page
    other = factories.staff(hl.dept["310101002-office"], roles=[R.GRID_INSPECTOR])
    client.force_login(other.account)
    assert ticket.number not in client.get(GRID).content.decode()
    assert client.get(f"/workbench/hotline/tickets/{ticket.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"text": ""}, 422, "请写明诉求内容。"),
        ({"address": "北京市东城区王府井大街1号"}, 422, "本市标准地址中找不到"),
        ({"address": "", "lat": "39.9087", "lng": "116.3975"}, 422, "该位置不在本市范围内"),
        ({"kind": "consult"}, 400, "选择一个有效的选项"),
    ],
)
def test_bad_findings_say_why_and_file_nothing(client, hl, inspector, data, status, message):  # noqa: F811
    client.force_login(inspector.account)
    response = client.post(GRID, {**FOUND, **data})
    assert response.status_code == status
    assert message in response.content.decode()
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("who", ["agent", "dispatcher", "handler", "citizen"])
def test_other_roles_are_refused_the_grid_page(client, hl, who):  # noqa: F811
    client.force_login(getattr(hl, who).account)
    assert client.get(GRID).status_code == 403
    assert client.post(GRID, FOUND).status_code == 403
    assert Ticket.objects.count() == 0


def test_the_grid_page_reads_in_english(client, hl, inspector, settings):  # noqa: F811
    client.force_login(inspector.account)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(GRID).content.decode()
    assert "12345 grid patrol" in page and "网格巡查" not in page


def test_an_inspector_attaches_photos_checked_as_case_uploads(
    client,
    hl,  # noqa: F811
    inspector,
    settings,
    tmp_path,
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client.force_login(inspector.account)
    gif = SimpleUploadedFile("现场.png", b"GIF89a" + b"\0" * 20, content_type="image/png")
    bad = client.post(GRID, {**FOUND, "attachments": [gif]})
    assert bad.status_code == 422
    assert "只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。" in bad.content.decode()
    assert Ticket.objects.count() == 0
    png = SimpleUploadedFile(
        "现场.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, content_type="image/png"
    )
    assert client.post(GRID, {**FOUND, "attachments": [png]}).status_code == 302
    page = client.get(GRID).content.decode()
    assert 'data-testid="finding-attachments"' in page and "1 张照片" in page
    assert Ticket.objects.get().attachments.get().original_name == "现场.png"
