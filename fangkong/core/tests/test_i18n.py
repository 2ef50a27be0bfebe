"""The interface is Chinese by default, English on request, and the catalog is complete."""

from __future__ import annotations

import pytest

from fangkong.core import i18n_check


def test_every_msgid_is_translated_and_the_mo_is_current(capsys):
    assert i18n_check.main([]) == 0, capsys.readouterr().out


def test_extraction_follows_makemessages_for_templates_and_python(tmp_path, monkeypatch):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.html").write_text(
        "{% load i18n %}\n"
        '{% translate "Plain" %} {% trans \'Open\' context "verb" %}'
        ' {% translate "Kept" as kept %}\n'
        "{% blocktranslate trimmed with name=d.name %}\n  Merge “{{ name }}”\n  now.\n"
        "{% endblocktranslate %}\n"
        "{% blocktranslate count n=k %}{{ n }} grid{% plural %}{{ n }} grids"
        "{% endblocktranslate %}\n",
        encoding="utf-8",
    )
    (tmp_path / "views.py").write_text(
        "from django.utils.translation import gettext as _, pgettext_lazy\n"
        'a = _("Saved" ".")\nb = pgettext_lazy("month", "May")\nc = _(a)\n',
        encoding="utf-8",
    )
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.py").write_text('_("not this")\n', encoding="utf-8")
    monkeypatch.setattr(i18n_check, "PACKAGE", tmp_path)
    monkeypatch.setattr(i18n_check, "PROJECT", tmp_path)
    keys = {m.key for m in i18n_check.extract()}
    assert keys == {
        (None, "Plain", None),
        ("verb", "Open", None),
        (None, "Kept", None),
        (None, "Merge “%(name)s” now.", None),
        (None, "%(n)s grid", "%(n)s grids"),
        (None, "Saved.", None),
        ("month", "May", None),
    }


def test_compile_adds_new_msgids_untranslated_and_the_check_lists_them(tmp_path, monkeypatch):
    locale_po = i18n_check.po_path("zh_Hans")
    copy = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(locale_po.read_bytes())
    monkeypatch.setattr(i18n_check, "po_path", lambda locale: copy)
    messages = [*i18n_check.extract(), i18n_check.Message("A brand new string", where=[("x", "1")])]

    assert i18n_check.compile_catalog("zh_Hans", messages) == 1
    found = i18n_check.problems("zh_Hans", messages)
    assert found == ["x:1: no translation: 'A brand new string'"]
    assert i18n_check.load_po("zh_Hans").find("A brand new string").msgstr == ""
    assert copy.with_suffix(".mo").exists()


@pytest.fixture
def village_user(tree, make_user):
    return make_user(tree.huayang)


def test_pages_are_chinese_by_default(tree, village_user, client_for):
    client = client_for(village_user)
    page = client.get(tree.huayang.get_absolute_url()).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "网格" in page and "辖区" in page and "村级" in page
    assert "Grids" not in page and "Log out" not in page
    upper = client.get(tree.changchun.get_absolute_url())
    assert upper.status_code == 404  # outside the village user's jurisdiction
    assert "页面不存在，或该记录不在您的辖区内" in upper.content.decode()


def test_set_language_switches_to_english(tree, village_user, client_for):
    client = client_for(village_user)
    url = tree.huayang.get_absolute_url()
    response = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert '<html lang="en">' in page
    assert "Grids" in page and "your area is highlighted" in page and "village" in page
    assert "辖区" not in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": url})
    assert "辖区" in client.get(url).content.decode()


def test_django_own_messages_are_chinese(village_user, client_for):
    client = client_for(village_user)
    empty = {"old_password": "", "new_password": ""}
    page = client.post("/accounts/me/", empty).content.decode()
    assert "这个字段是必填项。" in page
    assert "This field is required." not in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/me/"})
    assert "This field is required." in client.post("/accounts/me/", empty).content.decode()
