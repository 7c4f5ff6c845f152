"""What makes an exchange query cheap, and what it must not cost: the per-process cache of
token, resource, grant and receipt key (a revocation on another node counts within its TTL,
expiry at once), and the call log whose audit entries are chained in batches after the answer
(every call, refused ones included, and a tampered entry still found)."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken

from tests import factories
from tongban.core.audit import audit_verify
from tongban.core.models import AuditEntry
from tongban.exchange import cached, selectors, services, tasks
from tongban.exchange.choices import GrantStatus
from tongban.exchange.models import ExchangeCall, Grant

from .conftest import LI, ZHANG
from .test_api import ask

pytestmark = pytest.mark.django_db
DEFERRING = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def clock(monkeypatch):
    """The cache's clock, moved by hand: ``clock.now += 1.9``."""

    class Clock:
        now = 1000.0

    monkeypatch.setattr(cached, "_clock", lambda: Clock.now)
    return Clock


@pytest.fixture
def deferred(settings, monkeypatch):
    """A task backend that keeps what is enqueued and runs nothing (as a real queue would,
    until its worker comes): the calls' audit entries wait for ``calls_chain``."""
    settings.TASKS = DEFERRING
    monkeypatch.setattr(tasks, "_chain_pending_until", 0.0)
    backend = tasks.chain_task.get_backend()
    backend.clear()
    return backend


def revoked_elsewhere(grant):
    """The grant revoked by another node's process: this one's cache does not hear of it."""
    Grant.objects.filter(pk=grant.pk).update(
        status=GrantStatus.REVOKED, revoked_at=timezone.now(), reason="用途已结束"
    )


def test_a_grant_revoked_on_another_node_stops_working_here_within_the_ttl(
    client, grant, token, clock, settings
):
    settings.TONGBAN_EXCHANGE_CACHE_TTL = 2
    assert ask(client, token).status_code == 200  # the grant is kept from now
    revoked_elsewhere(grant)
    clock.now += 1.9
    assert ask(client, token).status_code == 200  # still kept: the documented lag
    clock.now += 0.2
    response = ask(client, token)
    assert (response.status_code, response.json()["code"]) == (403, "exchange.grant_revoked")


def test_a_grant_revoked_in_this_process_stops_working_at_once(client, world, grant, token, clock):
    assert ask(client, token).status_code == 200
    services.grant_revoke(staff=world.steward, grant_id=grant.pk, reason="用途已结束")
    response = ask(client, token)
    assert (response.status_code, response.json()["code"]) == (403, "exchange.grant_revoked")


def test_a_kept_grant_expires_on_time(client, grant, token, clock, monkeypatch):
    """The kept grant's ``expires_at`` is compared with the clock on every call: no lag."""
    ends = timezone.now() + timedelta(minutes=5)
    Grant.objects.filter(pk=grant.pk).update(expires_at=ends)
    assert ask(client, token).status_code == 200  # kept, with that expiry
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=6))
    response = ask(client, token)  # the cache's clock has not moved
    assert (response.status_code, response.json()["code"]) == (403, "exchange.grant_expired")


def test_a_kept_token_expires_on_time(client, grant, token, clock, monkeypatch):
    AccessToken.objects.update(expires=timezone.now() + timedelta(minutes=1))
    assert ask(client, token).status_code == 200  # kept, with that expiry
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=2))
    response = ask(client, token)
    assert (response.status_code, response.json()["code"]) == (401, "exchange.token_invalid")


def test_a_deleted_token_stops_working_in_this_process_at_once(client, grant, token, clock):
    """As django-oauth-toolkit's revocation endpoint deletes it."""
    assert ask(client, token).status_code == 200
    AccessToken.objects.get().delete()
    response = ask(client, token)
    assert (response.status_code, response.json()["code"]) == (401, "exchange.token_invalid")


def test_an_answer_is_logged_before_its_entry_is_chained_and_the_person_sees_it_at_once(
    client, grant, token, deferred
):
    person = factories.person(name="张晓明", id_number=ZHANG)
    before = AuditEntry.objects.count()
    assert ask(client, token).status_code == 200
    call = ExchangeCall.objects.get()
    assert (call.result, call.subject_person_id) == ("answered", person.pk)
    assert call.audit["action"] == "exchange.query"
    assert AuditEntry.objects.count() == before  # not chained yet
    [use] = selectors.data_use_for_person(person=person)
    assert (use.department, use.purpose) == ("浦东新区民政局", "低保资格审核")
    [enqueued] = deferred.results  # one task for the moment, run a little later
    assert enqueued.task.run_after > timezone.now()


def test_the_first_call_of_a_moment_enqueues_the_chain_task_and_the_next_ones_do_not(
    client, grant, token, deferred, monkeypatch
):
    now = [500.0]
    monkeypatch.setattr(tasks.time, "monotonic", lambda: now[0])
    for _ in range(3):
        assert ask(client, token).status_code == 200
    assert len(deferred.results) == 1
    now[0] += 1.0  # TONGBAN_EXCHANGE_CHAIN_DELAY later: that task has run (or will)
    assert ask(client, token).status_code == 200
    assert len(deferred.results) == 2


def test_batch_chaining_covers_answered_and_refused_calls_in_order_with_one_head_update(
    client, world, grant, token, deferred
):
    assert ask(client, token).status_code == 200
    assert ask(client, token, resource="nope").status_code == 404
    assert ask(client, "forged-token").status_code == 401
    assert ask(client, token, key=LI, fields=["hukou_address"]).status_code == 403
    calls = list(ExchangeCall.objects.order_by("id"))
    assert all(call.audit is not None for call in calls)
    head = AuditEntry.objects.order_by("-seq").first()
    with CaptureQueriesContext(connection) as chaining:
        assert services.calls_chain() == 4
    heads = [q for q in chaining.captured_queries if "core_auditchainhead" in q["sql"]]
    assert len(heads) == 1
    entries = list(AuditEntry.objects.filter(seq__gt=head.seq).order_by("seq"))
    assert [(e.action, e.target_id, e.details["result"], e.details["code"]) for e in entries] == [
        ("exchange.query", str(calls[0].pk), "answered", ""),
        ("exchange.call_refused", str(calls[1].pk), "refused", "exchange.resource_not_found"),
        ("exchange.call_refused", str(calls[2].pk), "refused", "exchange.token_invalid"),
        ("exchange.call_refused", str(calls[3].pk), "refused", "exchange.field_not_granted"),
    ]
    assert [e.at for e in entries] == [call.at for call in calls]  # each at its call's time
    assert entries[1].details["status"] == 404 and entries[2].details["status"] == 401
    assert entries[0].details["key_hash"] == calls[0].key_hash != ""
    assert ExchangeCall.objects.filter(audit__isnull=False).count() == 0
    assert services.calls_chain() == 0  # each call is chained once
    assert audit_verify().intact


def test_a_tampered_entry_of_a_batch_is_detected(client, grant, token, deferred):
    for key in (ZHANG, LI):
        assert ask(client, token, key=key).status_code == 200
    assert ask(client, token, resource="nope").status_code == 404
    assert services.calls_chain() == 3
    assert audit_verify().intact
    entry = AuditEntry.objects.filter(action="exchange.query").order_by("seq").first()
    details = {**entry.details, "purpose": "别的用途"}
    factories.audit_tampered(
        "UPDATE core_auditentry SET details = %s WHERE id = %s",
        [json.dumps(details, ensure_ascii=False), entry.pk],
    )
    report = audit_verify()
    assert report.problems == [f"#{entry.seq} was changed after it was written"]


def test_the_chain_command_links_what_is_logged_now(client, grant, token, deferred):
    import io

    from django.core.management import call_command

    assert ask(client, token).status_code == 200
    assert ask(client, token, resource="nope").status_code == 404
    out = io.StringIO()
    call_command("exchange", "chain", stdout=out)
    assert out.getvalue().strip() == "entries chained: 2"
    assert not ExchangeCall.objects.filter(audit__isnull=False).exists()
    assert audit_verify().intact
