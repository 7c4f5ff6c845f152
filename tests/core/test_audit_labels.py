"""The security log in 「我的」 speaks in words: every audit action the code writes has a label,
so no person reads a code such as ``cases.material.staff_download``."""

import re
from pathlib import Path

from tongban.core.audit import action_label

SRC = Path(__file__).resolve().parents[2] / "src" / "tongban"
# action="a.b" and "action": "a.b" (literal dotted names), the appointment verbs' _audit("verb"),
# and the admin's audit_prefix with its created / changed / deleted
LITERAL = re.compile(r"""(?:action=|"action":\s*)"([a-z_]+(?:\.[a-z_]+)+)\"""")
APPOINTMENT = re.compile(r"""_audit\("([a-z_]+)",""")
PREFIX = re.compile(r"""audit_prefix = "([a-z_.]+)\"""")


def written_actions() -> set[str]:
    actions = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        actions |= set(LITERAL.findall(text))
        actions |= {f"cases.appointment.{verb}" for verb in APPOINTMENT.findall(text)}
        for prefix in PREFIX.findall(text):
            actions |= {f"{prefix}.{change}" for change in ("created", "changed", "deleted")}
    return actions


def test_the_scan_finds_the_actions_it_should():
    found = written_actions()
    for action in (
        "cases.material.staff_download",
        "identity.person.recorded",
        "cases.appointment.check_in",
        "core.calendar_day.deleted",
        "notify.message.requeue",
    ):
        assert action in found
    assert len(found) >= 45


def test_every_audit_action_has_a_label_in_words():
    unlabelled = sorted(a for a in written_actions() if action_label(a) == a)
    assert unlabelled == []
    assert action_label("cases.material.staff_download") == "工作人员下载办件材料"
    assert action_label("identity.person.recorded") == "窗口登记申请人身份信息"
