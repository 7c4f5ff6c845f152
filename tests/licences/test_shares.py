"""授权用证 shares, the holder's wallet pages, the public share and verify pages, and the daily
expiry reminder: exact outcomes, refusals that disclose and record nothing."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tongban.core.errors import Forbidden, Gone, InvalidInput, NotFound
from tongban.core.models import AuditEntry
from tongban.licences import services
from tongban.licences.models import Licence, LicenceShare, LicenceShareUse
from tongban.notify.models import Message

pytestmark = pytest.mark.django_db

NAME_AND_VALIDITY = ["holder_name", "valid_from", "valid_until"]


def _share(lw, licence, fields=NAME_AND_VALIDITY, expires_in="1d"):
    return services.licence_share_create(
        account=lw.account, licence_id=licence.pk, fields=fields, expires_in=expires_in
    )


def test_a_share_shows_exactly_the_chosen_fields_and_records_each_use(lw):
    licence = lw.issue()
    share, token = _share(lw, licence, fields=["valid_until", "holder_name", "valid_from"])
    assert share.fields == NAME_AND_VALIDITY  # in the credential's order
    assert share.token_hash == services.share_token_hash(token) and token not in share.token_hash
    used = services.licence_share_use(token=token, purpose="租房核验")
    assert used.verification.result == "valid"
    assert {
        k: v for k, v in used.verification.disclosed.items() if k in licence.disclosable_claims()
    } == {
        "holder_name": "张三",
        "valid_from": licence.valid_from.isoformat(),
        "valid_until": licence.valid_until.isoformat(),
    }
    assert lw.person.id_number not in used.presentation.replace("~", "")  # never disclosed
    assert "id_number" not in used.verification.disclosed
    use = LicenceShareUse.objects.get()
    assert (use.share, use.purpose, use.result) == (share, "租房核验", "valid")
    entry = AuditEntry.objects.get(action="licences.share.use")
    assert (entry.actor_id, entry.subject_person_id) == (None, lw.person.pk)
    assert entry.details["fields"] == "holder_name,valid_from,valid_until"


def test_a_share_asking_a_field_it_does_not_cover_is_refused(lw):
    _, token = _share(lw, lw.issue(), fields=["holder_name"])
    with pytest.raises(Forbidden) as refused:
        services.licence_share_use(token=token, fields=["holder_name", "id_number"])
    assert refused.value.code == "licence.share.field_not_covered"
    assert LicenceShareUse.objects.count() == 0
    assert not AuditEntry.objects.filter(action="licences.share.use").exists()


@pytest.mark.parametrize(
    ("fields", "expires_in", "code"),
    [
        ([], "1d", "licence.share.fields"),
        (["holder_name", "not_a_claim"], "1d", "licence.share.fields"),
        (["holder_name"], "2y", "licence.share.expiry"),
    ],
)
def test_a_bad_share_request_is_refused_and_nothing_written(lw, fields, expires_in, code):
    licence = lw.issue()
    with pytest.raises(InvalidInput) as refused:
        _share(lw, licence, fields=fields, expires_in=expires_in)
    assert refused.value.code == code
    assert LicenceShare.objects.count() == 0


def test_another_persons_licence_cannot_be_shared(lw, make):
    licence = lw.issue()
    other = make.person(name="李四")
    with pytest.raises(NotFound):
        services.licence_share_create(
            account=other.account, licence_id=licence.pk, fields=["holder_name"], expires_in="1h"
        )
    share, _ = _share(lw, licence)
    with pytest.raises(NotFound):
        services.licence_share_revoke(account=other.account, share_id=share.pk)
    assert LicenceShare.objects.get().revoked_at is None


def test_a_revoked_or_expired_share_is_gone_and_discloses_nothing(lw):
    licence = lw.issue()
    share, token = _share(lw, licence)
    services.licence_share_revoke(account=lw.account, share_id=share.pk)
    with pytest.raises(Gone) as refused:
        services.licence_share_use(token=token)
    assert refused.value.code == "licence.share.revoked"
    expired, token2 = _share(lw, licence, expires_in="1h")
    past = timezone.now() - dt.timedelta(hours=2)
    LicenceShare.objects.filter(pk=expired.pk).update(
        created_at=past, expires_at=past + dt.timedelta(hours=1)
    )
    with pytest.raises(Gone) as refused:
        services.licence_share_use(token=token2)
    assert refused.value.code == "licence.share.expired"
    with pytest.raises(NotFound):
        services.licence_share_use(token="no-such-token")
    assert LicenceShareUse.objects.count() == 0
    assert AuditEntry.objects.filter(action="licences.share.revoke").count() == 1


def test_a_share_of_a_revoked_licence_says_revoked(lw):
    licence = lw.issue()
    _, token = _share(lw, licence)
    services.licence_revoke(staff=lw.head_a, licence_id=licence.pk, reason="骗取", legal_basis="法")
    assert services.licence_share_use(token=token).verification.result == "revoked"


def test_the_expiry_reminder_tells_each_holder_once(lw):
    licence = lw.issue()
    today = timezone.localdate()
    assert services.licences_expiry_remind(today=today) == 0  # a year left
    later = licence.valid_until - dt.timedelta(days=30)
    before = Message.objects.count()
    assert services.licences_expiry_remind(today=later) == 1
    assert services.licences_expiry_remind(today=later) == 0
    assert Message.objects.count() == before + 2  # SMS and inbox, once
    sms = Message.objects.filter(channel="sms").latest("pk")
    assert sms.body == (
        f"【一网通办】您的电子证照“居住证”（{licence.identifier}）将于"
        f"{licence.valid_until:%Y-%m-%d}到期，请及时办理。"
    )
    assert Licence.objects.get(pk=licence.pk).reminded_at is not None


def test_the_reminder_links_to_the_renewal_item(lw):
    licence = lw.issue()
    services.licence_type_renewal_item_set(type_code=licence.licence_type.code, item_id=lw.item.pk)
    services.licences_expiry_remind(today=licence.valid_until)
    inbox = Message.objects.filter(channel="site").latest("pk")
    assert inbox.link == f"/apply/items/{lw.item.pk}/"
    assert inbox.body.endswith("可在“我的证照”中在线申请延续（换证）。")


# --- pages ------------------------------------------------------------------------------------


def test_the_wallet_detail_pdf_and_share_pages(lw, client):
    licence = lw.issue()
    client.force_login(lw.account)
    wallet = client.get("/me/licences/").content.decode()
    assert "居住证" in wallet and licence.identifier in wallet
    detail = client.get(f"/me/licences/{licence.pk}/").content.decode()
    assert "浦东新区世纪大道1号" in detail and lw.person.id_number in detail
    pdf = client.get(f"/me/licences/{licence.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and licence.identifier.encode() in pdf.content
    created = client.post(
        f"/me/licences/{licence.pk}/share/",
        {"fields": ["holder_name", "valid_until"], "expires_in": "7d"},
    )
    assert created.status_code == 201
    link = re.search(r'data-testid="share-link">([^<]+)<', created.content.decode()).group(1)
    path = link.split("testserver", 1)[1]
    client.logout()
    assert client.get(path).status_code == 200
    shown = client.post(path, {"purpose": "入职核验"}).content.decode()
    assert "张三" in shown and "有效" in shown and lw.person.id_number not in shown
    assert "浦东新区世纪大道1号" not in shown
    client.force_login(lw.account)
    log = client.get(f"/me/licences/{licence.pk}/").content.decode()
    assert "入职核验" in log


def test_a_bad_share_form_is_refused_in_chinese(lw, client):
    licence = lw.issue()
    client.force_login(lw.account)
    response = client.post(f"/me/licences/{licence.pk}/share/", {"expires_in": "1d"})
    assert response.status_code == 422
    assert "请从证照的信息项中选择至少一项授权查看。" in response.content.decode()
    assert LicenceShare.objects.count() == 0


def test_another_holders_licence_pages_are_not_found(lw, client, make):
    licence = lw.issue()
    share, _ = _share(lw, licence)
    other = make.person(name="李四")
    client.force_login(other.account)
    for path in (
        f"/me/licences/{licence.pk}/",
        f"/me/licences/{licence.pk}/pdf/",
        f"/me/licences/{licence.pk}/share/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/me/licences/shares/{share.pk}/revoke/").status_code == 404
    assert LicenceShare.objects.get().revoked_at is None


def test_unknown_revoked_and_expired_share_pages(lw, client):
    licence = lw.issue()
    share, token = _share(lw, licence)
    assert client.get("/licences/shared/nothing/").status_code == 404
    services.licence_share_revoke(account=lw.account, share_id=share.pk)
    for response in (
        client.get(f"/licences/shared/{token}/"),
        client.post(f"/licences/shared/{token}/"),
    ):
        assert response.status_code == 410
        body = response.content.decode()
        assert "持证人已撤回该授权，链接已失效。" in body and "张三" not in body


def test_the_verify_page(lw, client):
    licence = lw.issue()
    shown = client.post("/licences/verify/", {"credential": licence.credential}).content.decode()
    assert 'data-result="valid"' in shown and "浦东新区世纪大道1号" in shown
    bad = client.post("/licences/verify/", {"credential": "x~"})
    assert bad.status_code == 200 and 'data-result="malformed"' in bad.content.decode()
    big = client.post("/licences/verify/", {"credential": "a" * (64 * 1024 + 1)})
    assert big.status_code == 413
    assert "凭证内容超过 64 KiB" in big.content.decode()
    empty = client.post("/licences/verify/", {})
    assert empty.status_code == 400


def test_me_shows_licences_expiring_within_60_days(lw, client):
    licence = lw.issue()
    Licence.objects.filter(pk=licence.pk).update(
        valid_until=timezone.localdate() + dt.timedelta(days=20)
    )
    client.force_login(lw.account)
    body = client.get("/me/").content.decode()
    assert 'data-testid="expiring-licences"' in body and f"/me/licences/{licence.pk}/" in body
