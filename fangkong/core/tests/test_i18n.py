"""The interface is Chinese by default, English on request, and the catalog is complete."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

from fangkong.core import i18n_check
from fangkong.regions.models import Division


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


# --- messages raised by actions follow the language of the request -----------------------------

DUPLICATE_ZH = "本村（社区）已有名为“第一网格”的网格。"
DUPLICATE_EN = "This village or community already has a grid named “第一网格”."


@pytest.fixture
def secretary(tree, make_user):
    from fangkong.accounts.roles import Role

    return make_user(tree.huayang, [Role.VILLAGE_SECRETARY])


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A request in English leaves English active in this thread; later tests expect Chinese."""
    yield
    translation.deactivate()


def test_an_action_refusal_on_a_web_form_is_chinese_by_default_and_english_on_request(
    tree, secretary, client_for
):
    # Given the secretary of 华阳社区, which already has 第一网格
    client = client_for(secretary)
    url = reverse("regions:grid_create", args=[tree.huayang.code])

    # When they create another 第一网格, the form says why in Chinese
    page = client.post(url, {"name": "第一网格"}).content.decode()
    assert DUPLICATE_ZH in page and DUPLICATE_EN not in page

    # And after switching to English, the same refusal is in English
    client.post("/i18n/setlang/", {"language": "en", "next": url})
    page = client.post(url, {"name": "第一网格"}).content.decode()
    assert DUPLICATE_EN in page and DUPLICATE_ZH not in page
    assert Division.objects.filter(parent=tree.huayang, name="第一网格").count() == 1


def test_an_action_refusal_through_the_api_follows_accept_language(tree, secretary, client_for):
    client = client_for(secretary)
    body = json.dumps({"village": tree.huayang.code, "name": "第一网格"}, ensure_ascii=False)

    def create(**headers):
        return client.post("/api/grids", body, content_type="application/json", headers=headers)

    chinese = create()
    english = create(accept_language="en")
    chinese_again = create(accept_language="zh-Hans,zh;q=0.9,en;q=0.5")

    assert [r.status_code for r in (chinese, english, chinese_again)] == [400, 400, 400]
    assert chinese.json() == {"code": "name_taken", "field": "name", "message": DUPLICATE_ZH}
    assert english.json() == {"code": "name_taken", "field": "name", "message": DUPLICATE_EN}
    assert chinese_again.json()["message"] == DUPLICATE_ZH


def test_api_error_answers_of_our_own_follow_accept_language(tree, secretary, client_for):
    # Given a logged-in user: an address outside their jurisdiction, a body that is not JSON, one
    # that lacks fields, a wrong method, a NUL in the address
    client = client_for(secretary)
    outside = f"/api/divisions/{tree.dongshi.code}"

    def answers(**headers):
        return [
            client.get(outside, headers=headers).json()["message"],
            client.post("/api/grids", "{", content_type="application/json", headers=headers).json()[
                "message"
            ],
            client.post(
                "/api/grids", "{}", content_type="application/json", headers=headers
            ).json()["message"],
            client.delete("/api/me", headers=headers).json()["message"],
            # refused before LocaleMiddleware runs, still in the language asked for
            client.get("/api/me?q=%00", headers=headers).json()["message"],
        ]

    # Then each answer is in Chinese by default and in English when asked for
    assert answers() == [
        "记录不存在，或不在您的辖区内。",
        "请求体不是有效的 JSON。",
        "请求数据有误：village：缺少必填字段；name：缺少必填字段",
        "该地址不支持此请求方法。",
        "请求地址含有无效字符（NUL）。",
    ]
    assert answers(accept_language="en") == [
        "The record does not exist, or it is not in your jurisdiction.",
        "The request body is not valid JSON.",
        "The request data is invalid: village: required field missing; name: required field "
        "missing",
        "This address does not support this request method.",
        "The address contains an invalid character (NUL).",
    ]


def test_an_importer_problem_is_located_in_the_active_language():
    from fangkong.regions.importer import Problem

    problem = Problem("villages.csv", 8, "x")
    assert str(problem) == "villages.csv 第 8 行：x"
    with translation.override("en"):
        assert str(problem) == "villages.csv line 8: x"
