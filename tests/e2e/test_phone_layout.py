"""Every main portal page works on a phone: at 375 px wide nothing scrolls sideways and no text is
cut off, for the public pages and for a logged-in citizen's own pages, in a real Chromium."""

import pytest
from playwright.sync_api import Page

from tests.licences.conftest import RESIDENCE
from tests.licences.conftest import types as licence_types
from tests.portal.case_fixtures import LABOUR, PDF, PHOTO, CaseWorld
from tongban.cases import services
from tongban.licences.services import licence_issue, licence_types_load
from tongban.notify.models import Message

from .test_case_applicant_journeys import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}

# Boxes past the right edge, content scrolled sideways, and text clipped by its box. Visually
# hidden labels (1 px, clipped on purpose) are left out.
OVERFLOWS = """() => {
  const width = document.documentElement.clientWidth;
  const classes = (el) => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el)
    + ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
  const found = [];
  if (document.documentElement.scrollWidth > width) {
    found.push('page ' + document.documentElement.scrollWidth + 'px wide');
  }
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (box.right > width + 1) found.push(name(el) + ' ends at ' + Math.round(box.right) + 'px');
    const clips = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
    if (clips && el.scrollWidth > el.clientWidth + 1) found.push(name(el) + ' cut off');
  }
  return found.slice(0, 12);
}"""


def overflows(page: Page, path: str) -> list[str]:
    page.goto(path)
    page.wait_for_load_state("load")
    return page.evaluate(OVERFLOWS)


def _case(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return services.case_application_save(
        account=world.person.account,
        item_id=world.item.pk,
        form_data={
            "applicant_name": "王小明",
            "residence_basis": "合法稳定就业",
            "address": "浦东新区世纪大道100号",
        },
        uploads=[
            (world.item.published.materials.get(name=PHOTO).pk, SimpleUploadedFile("a.pdf", PDF)),
            (world.item.published.materials.get(name=LABOUR).pk, SimpleUploadedFile("b.pdf", PDF)),
        ],
        submit=True,
    )


def _licence(world):
    """A 居住证 in the applicant's wallet (its type loaded as the licences tests load it)."""
    licence_types_load(types=licence_types(world.police))
    return licence_issue(
        staff=world.reviewer,
        type_code=RESIDENCE,
        holder_code=world.person.id_number,
        data={"address": "浦东新区世纪大道1号"},
    )


def test_main_portal_pages_fit_a_phone(new_page, make):
    world = CaseWorld(make)
    theme = world.open_business_theme()
    case = _case(world)
    licence = _licence(world)
    page = new_page()
    page.set_viewport_size(PHONE)
    public = [
        "/",
        "/services/",
        "/services/search/?q=居住证",
        f"/services/items/{world.item.pk}/",
        f"/services/themes/{theme.code}/",
        "/services/departments/",
        "/login/",
        "/login/sms/",
        "/register/",
        "/login/forgot/",
        "/status/",
        "/appointments/",
        "/licences/verify/",
    ]
    assert {path: overflows(page, path) for path in public} == {path: [] for path in public}

    log_in(page, world.person, make.PASSWORD)
    own = [
        "/me/",
        "/me/cases/",
        f"/me/cases/{case.pk}/",
        f"/me/cases/{case.pk}/receipt/",
        f"/apply/items/{world.item.pk}/",
        "/appointments/mine/",
        "/me/security/password/",
        "/me/security/mobile/",
        "/me/licences/",
        f"/me/licences/{licence.pk}/",
        f"/me/licences/{licence.pk}/share/",
        "/me/inbox/",
        f"/me/inbox/{Message.objects.filter(account=world.person.account).first().pk}/",
    ]
    assert {path: overflows(page, path) for path in own} == {path: [] for path in own}
