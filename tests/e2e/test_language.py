"""Language: the footer switcher turns the portal into English and back, and the English
catalogue is complete and compiled.

The catalogue checks read ``django.po`` with a small parser and ``django.mo`` with the standard
library's ``gettext``, so they need neither GNU gettext nor polib: the .mo is committed and must
match the .po entry for entry.
"""

import ast
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

import tongban
from tests.conftest import IN_CI

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MESSAGES = Path(tongban.__file__).parent / "locale" / "en" / "LC_MESSAGES"
SWITCHER_LABEL = "语言 / Language"

HOME_HEADING_ZH = "一网通办，办事不求人"
HOME_HEADING_EN = "One-Stop Government Services: do it yourself, online"


def switch_language(page: Page, language: str, button: str) -> None:
    footer = page.get_by_role("contentinfo")
    footer.get_by_label(SWITCHER_LABEL, exact=True).select_option(label=language)
    footer.get_by_role("button", name=button, exact=True).click()


def test_switching_to_english_and_back(page: Page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADING_ZH)
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")

    switch_language(page, "English", "切换语言")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADING_EN)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_label(SWITCHER_LABEL, exact=True)).to_have_value("en")

    page.goto("/login/")
    expect(page.get_by_role("heading", name="Sign in with single sign-on")).to_be_visible()
    expect(page.get_by_label("ID number or mobile number", exact=True)).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()

    # Switching back keeps the person on the page they were reading.
    switch_language(page, "简体中文", "Change language")

    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", name="统一身份认证登录")).to_be_visible()
    expect(page.get_by_label("身份证号码或手机号码", exact=True)).to_be_visible()
    expect(page.get_by_label("密码", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADING_ZH)


# --- The catalogue, without a browser ---------------------------------------------------------


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr (str or {index: str}), flags."""
    entries: list[dict] = []
    entry: dict = {}
    field: tuple | None = None

    def finish():
        nonlocal entry, field
        if "msgid" in entry:
            entries.append(entry)
        entry, field = {}, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            continue  # obsolete entries are not compiled
        if line.startswith("#,"):
            if "msgid" in entry:
                finish()
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#") or not line:
            if "msgid" in entry and "msgstr" in entry:
                finish()
        elif line.startswith('"'):
            assert field is not None, raw
            if field[0] == "msgstr_plural":
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field[0]] += _unquote(line)
        else:
            keyword, _, value = line.partition(" ")
            if keyword == "msgid" and "msgstr" in entry:
                finish()
            plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if plural:
                entry.setdefault("msgstr", {})[int(plural.group(1))] = _unquote(value)
                field = ("msgstr_plural", int(plural.group(1)))
            else:
                assert keyword in {"msgctxt", "msgid", "msgid_plural", "msgstr"}, raw
                entry[keyword] = _unquote(value)
                field = (keyword,)
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries():
    entries = read_po(MESSAGES / "django.po")
    header = [e for e in entries if e["msgid"] == ""]
    assert len(header) == 1
    return [e for e in entries if e["msgid"] != ""]


def test_every_string_is_translated_and_none_is_fuzzy(po_entries):
    assert len(po_entries) > 500
    untranslated = []
    for entry in po_entries:
        msgstr = entry["msgstr"]
        values = list(msgstr.values()) if isinstance(msgstr, dict) else [msgstr]
        if not all(v.strip() for v in values) or "fuzzy" in entry.get("flags", set()):
            untranslated.append(entry["msgid"])
    assert untranslated == []


def test_every_string_in_the_source_is_in_the_catalogue(
    po_entries, tmp_path, settings, monkeypatch
):
    """makemessages over a copy of the package finds exactly the msgids the committed .po holds:
    none missing (a new string nobody translated), none stale (a string the code dropped)."""
    if shutil.which("xgettext") is None:
        message = "no GNU gettext (xgettext): install Debian's gettext"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    package = Path(tongban.__file__).parent
    copy = tmp_path / "tongban"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)

    def keys(entries):
        return {(e.get("msgctxt"), e["msgid"]) for e in entries if e["msgid"]}

    found = keys(read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    held = keys(po_entries)
    assert sorted(found - held, key=str) == [], "strings missing from django.po: run makemessages"
    assert sorted(held - found, key=str) == [], (
        "stale strings in django.po: makemessages --no-obsolete"
    )


def test_translations_keep_their_placeholders_and_leave_no_chinese(po_entries):
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for entry in po_entries:
        msgstr = entry["msgstr"]
        values = list(msgstr.values()) if isinstance(msgstr, dict) else [msgstr]
        for value in values:
            assert set(placeholder.findall(value)) == set(placeholder.findall(entry["msgid"])), (
                entry["msgid"]
            )
            assert not re.search(r"[\u4e00-\u9fff]", value), value


def test_compiled_catalogue_matches_the_po(po_entries):
    with (MESSAGES / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    expected = {}
    for entry in po_entries:
        key = entry["msgid"]
        if "msgctxt" in entry:
            key = f"{entry['msgctxt']}\x04{key}"
        if isinstance(entry["msgstr"], dict):
            for index, value in entry["msgstr"].items():
                expected[(key, index)] = value
        else:
            expected[key] = entry["msgstr"]
    compiled_entries = {k: v for k, v in catalog.items() if k != ""}
    assert compiled_entries == expected, "django.mo is stale: run compilemessages and commit it"


def test_key_strings_translate_to_english():
    with translation.override("en"):
        assert translation.gettext("一网通办") == "One-Stop Government Services"
        assert translation.gettext("我的") == "My account"
        assert translation.gettext("经办人") == "Agent"
        assert translation.gettext("统一社会信用代码") == "Unified social credit code"
        assert translation.gettext("公民身份号码") == "Resident ID number"
        assert translation.gettext("%(n)s 个工作日") % {"n": 5} == "5 working days"
        assert translation.ngettext("共 %(n)s 个事项", "共 %(n)s 个事项", 1) % {"n": 1} == (
            "1 service"
        )
    with translation.override("zh-hans"):
        assert translation.gettext("一网通办") == "一网通办"


def test_set_language_redirects_back_and_sets_the_cookie(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert response.cookies["django_language"].value == "en"
    page = client.get("/login/")
    assert "ID number or mobile number" in page.content.decode()
    assert 'name="next" type="hidden" value="/login/"' in page.content.decode()
