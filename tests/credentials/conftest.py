import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests import factories
from tongban.credentials import keys, sdjwt, services
from tongban.credentials.choices import SigningAlgorithm

VCT = "https://zwfw.example.gov.cn/vct/food-business-licence"
CLAIMS = {
    "licence_number": "JY13101150000001",
    "holder_name": "上海示例餐饮有限公司",
    "holder_uscc": "91310115MA1K000001",
    "address": "上海市浦东新区示例路1号",
    "scope": ["热食类食品制售", "冷食类食品制售"],
}
DISCLOSABLE = ["holder_name", "holder_uscc", "address", "scope"]


@pytest.fixture
def department(db):
    return factories.department(code="scjgj", name="市场监督管理局")


def issue(department, *, claims=CLAIMS, disclosable=DISCLOSABLE, days=(0, 365), now=None):
    now = now or timezone.now()
    with transaction.atomic():
        return services.credential_issue(
            issuer=department,
            vct=VCT,
            claims=claims,
            disclosable=disclosable,
            valid_from=now + timedelta(days=days[0]),
            valid_until=None if days[1] is None else now + timedelta(days=days[1]),
        )


@pytest.fixture
def issued(department):
    return issue(department)


def foreign(issued, iss: str) -> str:
    """``issued``'s claims under issuer ``iss``, signed by a key we do not hold."""
    kid, _, pem = keys.key_generate(SigningAlgorithm.ED25519)
    jwt, disclosures = sdjwt.split(issued.compact)
    payload = {**json.loads(sdjwt.b64decode(jwt.split(".")[1])), "iss": iss}
    header = {"alg": "Ed25519", "typ": "dc+sd-jwt", "kid": kid}
    signed = keys.sign(header=header, payload=sdjwt.dumps(payload), pem=pem, alg="Ed25519")
    return "~".join([signed, *disclosures, ""])
