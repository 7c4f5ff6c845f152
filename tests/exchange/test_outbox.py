"""Subscriptions: registry changes of watched records reach the consumer through the outbox,
at least once, with retries and backoff; none is lost when a worker dies mid-delivery, and the
receiver deduplicates by event id."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tongban.exchange import services
from tongban.exchange.models import DeliveryEvent
from tongban.registries import services as registry_services

from .conftest import USCC, publish, token_for

pytestmark = pytest.mark.django_db
ENDPOINT = "https://civil.example.gov.cn/hooks/registry"


class WorkerDied(BaseException):
    """A worker killed mid-delivery: not an error the delivery loop may catch."""


class Receiver:
    """A consumer's endpoint: records every body it gets and keeps each event once."""

    def __init__(self):
        self.received: list[dict] = []
        self.kept: dict[str, dict] = {}
        self.fail_next = 0

    def __call__(self, endpoint, body):
        assert endpoint == ENDPOINT
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("HTTP 503")
        self.received.append(body)
        self.kept.setdefault(body["event_id"], body)


@pytest.fixture
def subscribed(client, world):
    resource = publish(
        world, staff=world.amr_steward, code="entities", name="法人基本信息",
        dataset="legal_entities", fields=["uscc", "name", "status"],
    )  # fmt: skip
    asked = services.grant_request(
        staff=world.requester, resource_id=resource.pk, fields=["uscc", "status"],
        purpose="救助对象经营状况核查", legal_basis="《社会救助暂行办法》",
    )  # fmt: skip
    services.grant_approve(
        staff=world.amr_steward, grant_id=asked.pk, fields=["uscc", "status"], days=30
    )
    exchange_client, secret = services.client_register(staff=world.requester, name="核查系统")
    token = token_for(client, exchange_client.client_id, secret)
    body = {"resource": "entities", "endpoint": ENDPOINT, "keys": [USCC]}
    response = client.post(
        "/api/v1/exchange/subscriptions", json.dumps(body),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["keys"] == 1
    return token


def test_an_entity_deregistered_reaches_the_subscriber(subscribed):
    registry_services.registry_entity_status_set(uscc=USCC, status="deregistered")
    assert services.subscriptions_pump() == 1
    assert services.subscriptions_pump() == 0  # idempotent: the cursor moved
    receiver = Receiver()
    report = services.events_deliver(worker_id="w1", send=receiver)
    assert (report.delivered, report.retried, report.failed) == (1, 0, 0)
    [body] = receiver.received
    assert (body["type"], body["resource"], body["key"], body["kind"]) == (
        "registry.change", "entities", USCC, "status",
    )  # fmt: skip
    assert body["fields"] == ["status"]
    assert DeliveryEvent.objects.get().status == "delivered"


def test_a_failed_delivery_is_retried_with_backoff(subscribed):
    registry_services.registry_entity_status_set(uscc=USCC, status="deregistered")
    services.subscriptions_pump()
    receiver = Receiver()
    receiver.fail_next = 2
    now = timezone.now()
    assert services.events_deliver(worker_id="w1", send=receiver, now=now).retried == 1
    event = DeliveryEvent.objects.get()
    assert (event.attempts, event.last_error) == (1, "HTTP 503")
    assert event.next_attempt_at == now + timedelta(seconds=30)
    # not due yet
    assert services.events_deliver(worker_id="w1", send=receiver, now=now).retried == 0
    later = now + timedelta(seconds=31)
    assert services.events_deliver(worker_id="w1", send=receiver, now=later).retried == 1
    event.refresh_from_db()
    assert event.next_attempt_at == later + timedelta(seconds=60)
    done = services.events_deliver(worker_id="w1", send=receiver, now=later + timedelta(minutes=2))
    assert done.delivered == 1
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [
        30, 60, 120, 3600, 3600,
    ]  # fmt: skip


def test_none_is_lost_when_a_worker_dies_mid_delivery(subscribed, settings):
    settings.TONGBAN_WORKER_LEASE_SECONDS = 60
    registry_services.registry_entity_status_set(uscc=USCC, status="deregistered")
    services.subscriptions_pump()
    receiver = Receiver()

    def dies_after_sending(endpoint, body):
        receiver(endpoint, body)  # the receiver got it, but the worker never recorded so
        raise WorkerDied

    now = timezone.now()
    with pytest.raises(WorkerDied):
        services.events_deliver(worker_id="dying", send=dies_after_sending, now=now)
    event = DeliveryEvent.objects.get()
    assert (event.status, event.leased_by) == ("pending", "dying")
    # while the lease holds, no other worker takes it
    other = services.events_deliver(worker_id="w2", send=receiver, now=now + timedelta(seconds=30))
    assert other.delivered == 0
    # once it has ended, another worker delivers it again
    after = services.events_deliver(worker_id="w2", send=receiver, now=now + timedelta(seconds=61))
    assert after.delivered == 1
    event.refresh_from_db()
    assert (event.status, event.attempts, event.leased_by) == ("delivered", 2, "w2")
    assert len(receiver.received) == 2  # at least once …
    assert list(receiver.kept) == [str(event.event_id)]  # … and kept once by its event id
    assert receiver.received[0]["event_id"] == receiver.received[1]["event_id"]


def test_a_revoked_grant_stops_delivery(world, subscribed):
    from tongban.exchange.models import Grant

    registry_services.registry_entity_status_set(uscc=USCC, status="deregistered")
    services.subscriptions_pump()
    grant = Grant.objects.get(resource__code="entities")
    services.grant_revoke(staff=world.amr_steward, grant_id=grant.pk, reason="核查结束")
    receiver = Receiver()
    assert services.events_deliver(worker_id="w1", send=receiver).failed == 1
    assert receiver.received == []
    assert DeliveryEvent.objects.get().last_error == "grant no longer live"


def test_a_subscription_names_well_formed_keys(client, subscribed):
    body = {"resource": "entities", "endpoint": ENDPOINT, "keys": ["91310115591693856B"]}
    response = client.post(
        "/api/v1/exchange/subscriptions", json.dumps(body),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {subscribed}",
    )  # fmt: skip
    assert response.status_code == 422
    assert (response.json()["code"], list(response.json()["fields"])) == (
        "registry.key_malformed", ["keys.0"],
    )  # fmt: skip
    body = {"resource": "entities", "endpoint": "ftp://x", "keys": [USCC]}
    response = client.post(
        "/api/v1/exchange/subscriptions", json.dumps(body),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {subscribed}",
    )  # fmt: skip
    assert (response.status_code, list(response.json()["fields"])) == (422, ["endpoint"])


def test_an_event_failed_for_good_is_resent_by_a_steward_of_the_provider(world, subscribed):
    registry_services.registry_entity_status_set(uscc=USCC, status="deregistered")
    services.subscriptions_pump()
    DeliveryEvent.objects.update(attempts=services.DELIVERY_ATTEMPTS_MAX - 1)
    receiver = Receiver()
    receiver.fail_next = 1
    assert services.events_deliver(worker_id="w1", send=receiver).failed == 1
    event = DeliveryEvent.objects.get()
    assert (event.status, event.attempts) == ("failed", services.DELIVERY_ATTEMPTS_MAX)
    from tongban.core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.event_requeue(staff=world.steward, event_id=event.pk)  # the police: not ours
    services.event_requeue(staff=world.amr_steward, event_id=event.pk)
    assert services.events_deliver(worker_id="w1", send=receiver).delivered == 1
    assert [b["event_id"] for b in receiver.received] == [str(event.event_id)]
