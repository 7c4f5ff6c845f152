"""Which claims each scope releases (tongban.identity.oidc), and the configured issuer."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tongban.identity import services
from tongban.identity.models import Account, AgentAuthorization
from tongban.identity.oidc import CLAIM_SCOPES, oidc_claims, oidc_subject

ALL_SCOPES = ["openid", "profile", "id_number", "enterprise", "staff"]


@pytest.mark.django_db
def test_subject_is_opaque_stable_and_distinct(make):
    first, second = make.person(), make.person()
    sub = oidc_subject(first.account)
    assert re.fullmatch(r"[0-9a-f]{64}", sub)
    assert sub != str(first.account.pk)
    assert oidc_subject(Account.objects.get(pk=first.account.pk)) == sub
    assert oidc_subject(second.account) != sub


@pytest.mark.django_db
def test_openid_alone_gives_subject_kind_and_masked_id_number(make):
    person = make.person(name="张三")
    assert oidc_claims(person.account, scopes=["openid"]) == {
        "sub": oidc_subject(person.account),
        "account_kind": "person",
        "id_number_masked": person.id_number_masked,
    }
    assert person.id_number not in str(oidc_claims(person.account, scopes=["openid", "profile"]))


@pytest.mark.django_db
def test_each_scope_adds_its_own_claims_for_a_person(make):
    entity = make.entity(name="上海示范有限公司")
    person = make.person(name="李四")
    make.authorization(entity, person)
    services.acting_entity_choose(account=person.account, entity=entity)
    base = {
        "sub": oidc_subject(person.account),
        "account_kind": "person",
        "id_number_masked": person.id_number_masked,
    }
    assert oidc_claims(person.account, scopes=["openid", "profile"]) == {**base, "name": "李四"}
    assert oidc_claims(person.account, scopes=["openid", "id_number"]) == {
        **base,
        "id_number": person.id_number,
    }
    assert oidc_claims(person.account, scopes=["openid", "enterprise"]) == {
        **base,
        "uscc": entity.uscc,
        "enterprise_name": "上海示范有限公司",
    }
    # A person asked for staff claims has none.
    assert oidc_claims(person.account, scopes=["openid", "staff"]) == base


@pytest.mark.django_db
def test_legal_representative_acting_for_own_enterprise_gets_uscc(make):
    representative = make.person(name="王法人")
    entity = make.entity(representative=representative)
    services.acting_entity_choose(account=representative.account, entity=entity)
    claims = oidc_claims(representative.account, scopes=["openid", "enterprise"])
    assert claims["uscc"] == entity.uscc


@pytest.mark.django_db
def test_person_acting_for_nobody_gets_no_enterprise_claims(make):
    person = make.person()
    claims = oidc_claims(person.account, scopes=ALL_SCOPES)
    assert "uscc" not in claims and "enterprise_name" not in claims


@pytest.mark.django_db
def test_no_uscc_once_the_authorization_is_revoked_or_lapsed(make):
    representative = make.person(name="孙法人")
    entity = make.entity(representative=representative)
    revoked, lapsed = make.person(name="周八"), make.person(name="吴九")
    for person in (revoked, lapsed):
        make.authorization(entity, person)
        services.acting_entity_choose(account=person.account, entity=entity)
        assert oidc_claims(person.account, scopes=["enterprise"])["uscc"] == entity.uscc
    authorization = AgentAuthorization.objects.get(agent=revoked)
    services.agent_revoke(authorization_id=authorization.pk, revoked_by=representative)
    past = timezone.now() - timedelta(hours=1)
    AgentAuthorization.objects.filter(agent=lapsed).update(
        granted_at=past - timedelta(days=1), expires_at=past
    )
    for person in (revoked, lapsed):
        account = Account.objects.get(pk=person.account.pk)
        assert "uscc" not in oidc_claims(account, scopes=ALL_SCOPES)


@pytest.mark.django_db
def test_staff_get_their_own_department_and_roles_with_the_staff_scope(make):
    department_a = make.department(code="dept-a", name="甲局")
    department_b = make.department(code="dept-b", name="乙局")
    staff_a = make.staff(department=department_a, roles=("reviewer", "department_head"))
    staff_b = make.staff(department=department_b, roles=("counter_clerk",))
    assert oidc_claims(staff_a.account, scopes=ALL_SCOPES) == {
        "sub": oidc_subject(staff_a.account),
        "account_kind": "staff",
        "name": staff_a.account.display_name,
        "department": {"code": "dept-a", "name": "甲局"},
        "roles": ["department_head", "reviewer"],
    }
    assert oidc_claims(staff_b.account, scopes=["openid", "staff"])["department"] == {
        "code": "dept-b",
        "name": "乙局",
    }
    assert oidc_claims(staff_a.account, scopes=["openid"]) == {
        "sub": oidc_subject(staff_a.account),
        "account_kind": "staff",
    }


@pytest.mark.django_db
def test_a_staff_account_without_a_staff_record_has_no_department(make):
    admin = Account.objects.create_user("root", make.PASSWORD, kind="staff", display_name="root")
    assert oidc_claims(admin, scopes=ALL_SCOPES) == {
        "sub": oidc_subject(admin),
        "account_kind": "staff",
        "name": "root",
    }


def test_every_claim_is_bound_to_a_configured_scope(settings):
    assert set(CLAIM_SCOPES.values()) <= set(settings.OAUTH2_PROVIDER["SCOPES"])


def test_a_configured_issuer_is_used_for_discovery_and_endpoints(client, settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_ISS_ENDPOINT": "https://zwfw.example.gov.cn",
    }
    document = client.get("/.well-known/openid-configuration").json()
    assert document["issuer"] == "https://zwfw.example.gov.cn"
    assert document["authorization_endpoint"] == "https://zwfw.example.gov.cn/oidc/authorize/"
    assert document["end_session_endpoint"] == "https://zwfw.example.gov.cn/oidc/logout/"
