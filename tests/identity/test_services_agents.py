"""Agents act for an enterprise only while their authorization is live."""

from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from tests import factories
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.core.models import AuditEntry
from tongban.identity import selectors, services
from tongban.identity.models import AgentAuthorization

pytestmark = pytest.mark.django_db


def test_representative_authorizes_and_agent_acts(make):
    entity = make.entity()
    agent = make.person(name="李四")
    authorization = make.authorization(entity, agent, scopes=("apply", "track"))
    assert authorization.scopes == ["apply", "track"]
    services.acting_entity_choose(account=agent.account, entity=entity)
    agent.account.refresh_from_db()
    assert selectors.acting_entity(agent.account) == entity
    logged = AuditEntry.objects.filter(action="identity.agent.authorized")
    assert set(logged.values_list("subject_person_id", flat=True)) == {
        agent.pk,
        entity.legal_representative_id,
    }


def test_an_agent_acts_for_nobody_after_revocation(make):
    entity = make.entity()
    agent = make.person(name="李四")
    authorization = make.authorization(entity, agent)
    services.acting_entity_choose(account=agent.account, entity=entity)
    services.agent_revoke(authorization_id=authorization.pk, revoked_by=entity.legal_representative)
    agent.account.refresh_from_db()
    assert selectors.acting_entity(agent.account) is None
    with pytest.raises(Forbidden) as caught:
        services.acting_entity_choose(account=agent.account, entity=entity)
    assert caught.value.code == "agent.not_authorized"
    assert entity.name in caught.value.message


def test_an_expired_authorization_is_not_live(make):
    entity = make.entity()
    agent = make.person(name="李四")
    authorization = make.authorization(entity, agent)
    AgentAuthorization.objects.filter(pk=authorization.pk).update(
        granted_at=timezone.now() - timedelta(days=10),
        expires_at=timezone.now() - timedelta(days=1),
    )
    # The agent chose the enterprise while live; the check at use time refuses it now.
    agent.account.acting_entity = entity
    agent.account.save()
    assert selectors.acting_entity(agent.account) is None
    assert selectors.entities_for_person(person=agent) == []


def test_only_the_representative_may_authorize_or_revoke(make):
    entity = make.entity()
    stranger = make.person(name="路人")
    with pytest.raises(Forbidden) as caught:
        services.agent_authorize(
            entity=entity,
            granted_by=stranger,
            agent_name="李四",
            agent_id_number=factories.id_number(),
            scopes=["apply"],
            expires_at=timezone.now() + timedelta(days=1),
        )
    assert caught.value.code == "agent.not_representative"
    authorization = make.authorization(entity, make.person(name="李四"))
    with pytest.raises(Forbidden):
        services.agent_revoke(authorization_id=authorization.pk, revoked_by=stranger)
    authorization.refresh_from_db()
    assert authorization.revoked_at is None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"scopes": []}, "agent.scopes"),
        ({"scopes": ["everything"]}, "agent.scopes"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "agent.expiry_past"),
        ({"expires_at": timezone.now() + timedelta(days=2000)}, "agent.expiry_too_far"),
        ({"agent_id_number": "110105194912310021"}, "id_number.checksum"),
    ],
)
def test_bad_authorizations_are_refused(make, change, code):
    entity = make.entity()
    args = {
        "entity": entity,
        "granted_by": entity.legal_representative,
        "agent_name": "李四",
        "agent_id_number": factories.id_number(),
        "scopes": ["apply"],
        "expires_at": timezone.now() + timedelta(days=1),
        **change,
    }
    with pytest.raises(InvalidInput) as caught:
        services.agent_authorize(**args)
    assert caught.value.code == code
    assert AgentAuthorization.objects.count() == 0


def test_a_second_live_authorization_for_the_same_agent_is_refused(make):
    entity = make.entity()
    agent = make.person(name="李四")
    make.authorization(entity, agent)
    with pytest.raises(Conflict) as caught:
        make.authorization(entity, agent)
    assert caught.value.code == "agent.already_authorized"
    assert AgentAuthorization.objects.count() == 1


def test_revoking_twice_is_refused(make):
    entity = make.entity()
    authorization = make.authorization(entity, make.person(name="李四"))
    services.agent_revoke(authorization_id=authorization.pk, revoked_by=entity.legal_representative)
    with pytest.raises(Conflict) as caught:
        services.agent_revoke(
            authorization_id=authorization.pk, revoked_by=entity.legal_representative
        )
    assert caught.value.code == "agent.already_revoked"


def test_totp_enrolment_and_one_use_per_code(make):
    person = make.person()
    device = services.totp_begin(account=person.account)
    code = pyotp.TOTP(device.secret).now()
    services.totp_confirm(account=person.account, code=code)
    assert services.totp_required(person.account)
    with pytest.raises(InvalidInput) as replay:
        services.totp_verify(account=person.account, code=code, ip="127.0.0.1")
    assert replay.value.code == "totp.wrong"
    with pytest.raises(InvalidInput):
        services.totp_verify(account=person.account, code="000000", ip="127.0.0.1")
