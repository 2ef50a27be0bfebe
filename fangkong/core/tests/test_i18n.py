"""The interface is Chinese by default, English on request, and the catalogue is complete."""

from __future__ import annotations

import json
import textwrap
import warnings
from pathlib import Path

import polib
import pytest
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import translation

from fangkong.core import i18n_check
from fangkong.regions.models import Division

HEADER = textwrap.dedent(
    """\
    msgid ""
    msgstr ""
    "Language: zh_Hans\\n"
    "Content-Type: text/plain; charset=UTF-8\\n"
    "Plural-Forms: nplurals=1; plural=0;\\n"

    """
)


def require_gettext() -> None:
    """Skip loudly without GNU gettext, or fail under CI=true, where these tests must run."""
    missing = i18n_check.gettext_missing()
    if not missing:
        return
    reason = (
        "GNU gettext is not installed (apt-get install gettext; "
        f"{', '.join(missing)} not found): the tests of makemessages did NOT run"
    )
    if i18n_check.in_ci():
        pytest.fail(f"{reason}; CI=true requires it.", pytrace=False)
    warnings.warn(UserWarning(f"SKIPPED: {reason}"), stacklevel=2)
    pytest.skip(f"SKIPPED: {reason}")


def write_catalogue(package: Path, entries: str, *, compile_mo: bool = True) -> Path:
    po_file = i18n_check.po_path("zh_Hans", package)
    po_file.parent.mkdir(parents=True, exist_ok=True)
    po_file.write_text(HEADER + textwrap.dedent(entries), encoding="utf-8")
    if compile_mo:
        polib.pofile(str(po_file)).save_as_mofile(str(po_file.with_suffix(".mo")))
    return po_file


def test_the_committed_catalogue_is_translated_and_compiled():
    assert i18n_check.catalogue_problems(i18n_check.po_path("zh_Hans")) == []


def test_the_committed_catalogue_holds_every_msgid_of_the_source():
    require_gettext()
    po_file = i18n_check.po_path("zh_Hans")
    assert i18n_check.source_problems(po_file, i18n_check.PACKAGE, "zh_Hans") == []


def test_the_check_refuses_untranslated_fuzzy_duplicate_and_misplaced_placeholders(tmp_path):
    po_file = write_catalogue(
        tmp_path,
        """\
        msgid "Saved."
        msgstr "已保存。"

        msgid "%(n)s grids"
        msgstr "%(n)s 个网格"

        msgctxt "verb"
        msgid "Open"
        msgstr "打开"
        """,
    )
    assert i18n_check.catalogue_problems(po_file) == []

    po_file = write_catalogue(
        tmp_path,
        """\
        msgid "Saved."
        msgstr "已保存。"

        msgid "%(n)s grids"
        msgstr "%(count)s 个网格"

        msgctxt "verb"
        msgid "Open"
        msgstr ""

        #, fuzzy
        msgid "Close"
        msgstr "关闭"

        msgid "Saved."
        msgstr "已保存。"
        """,
    )
    where = f"{po_file}:"
    assert i18n_check.catalogue_problems(po_file) == [
        f"{where}10: placeholders differ from the msgid: '%(n)s grids'",
        f"{where}13: no translation: 'Open' (context 'verb')",
        f"{where}17: fuzzy translation (check it, then remove '#, fuzzy'): 'Close'",
        f"{where}21: duplicate entry: 'Saved.'",
    ]


def test_the_check_refuses_a_mo_that_does_not_say_what_the_po_says(tmp_path):
    saved = 'msgid "Saved."\nmsgstr "已保存。"\n'
    po_file = write_catalogue(tmp_path, saved)
    mo_file = po_file.with_suffix(".mo")
    stale = [f"{mo_file}: not compiled from the .po; run make messages"]
    assert i18n_check.catalogue_problems(po_file) == []

    write_catalogue(tmp_path, 'msgid "Saved."\nmsgstr "保存好了。"\n', compile_mo=False)
    assert i18n_check.catalogue_problems(po_file) == stale

    write_catalogue(tmp_path, saved.replace("Saved.", "Saved!"), compile_mo=False)
    assert i18n_check.catalogue_problems(po_file) == stale

    write_catalogue(tmp_path, saved, compile_mo=False)
    po_file.write_text(po_file.read_text("utf-8").replace("plural=0", "plural=(n != 1)"), "utf-8")
    assert i18n_check.catalogue_problems(po_file) == stale  # the header counts too

    mo_file.unlink()
    assert i18n_check.catalogue_problems(po_file) == [f"{mo_file}: missing; run make messages"]


def test_without_gettext_the_source_check_is_skipped_loudly_and_under_ci_it_fails(
    tmp_path, monkeypatch, capsys
):
    write_catalogue(tmp_path, 'msgid "Saved."\nmsgstr "已保存。"\n')
    monkeypatch.setattr(i18n_check, "PACKAGE", tmp_path)
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no xgettext, msgmerge, msgfmt...

    monkeypatch.delenv("CI", raising=False)
    assert i18n_check.main([]) == 0
    out, err = capsys.readouterr()
    assert "zh_Hans: all 1 msgids translated" in out
    assert "WARNING: GNU gettext is not installed (apt-get install gettext)" in err
    assert "did NOT run; under CI=true this is a failure" in err

    monkeypatch.setenv("CI", "true")
    assert i18n_check.main([]) == 1
    assert "CI=true requires it (xgettext, msguniq, msgmerge, msgattrib, msgfmt not found)" in (
        capsys.readouterr().out
    )
    monkeypatch.delenv("CI")
    assert i18n_check.main(["--update"]) == 1
    assert "make messages needs GNU gettext" in capsys.readouterr().err


@pytest.fixture
def package(tmp_path):
    """A package with templates and Python the way the project writes them, and its catalogue."""
    package = tmp_path / "pkg"
    (package / "templates").mkdir(parents=True)
    (package / "templates" / "t.html").write_text(
        "{% load i18n %}\n"
        '{% translate "Plain" %} {% trans \'Open\' context "verb" %}'
        ' {% translate "Kept" as kept %}\n'
        "{% blocktranslate trimmed with name=d.name %}\n  Merge “{{ name }}”\n  now.\n"
        "{% endblocktranslate %}\n"
        "{% blocktranslate count n=k %}{{ n }} grid{% plural %}{{ n }} grids"
        "{% endblocktranslate %}\n",
        encoding="utf-8",
    )
    (package / "views.py").write_text(
        "from django.utils.translation import gettext as _, pgettext_lazy\n"
        'a = _("Saved" ".")\nb = pgettext_lazy("month", "May")\nc = _(a)\n'
        'd = _("%(n)s left") % {"n": 1}\n',
        encoding="utf-8",
    )
    for skipped in ("migrations", "tests"):
        (package / skipped).mkdir()
        (package / skipped / "x.py").write_text('_("not this")\n', encoding="utf-8")
    (package / "locale").mkdir()
    return package


def test_makemessages_finds_the_msgids_the_template_tags_and_python_look_up(package):
    require_gettext()
    extracted = i18n_check.extract(package, "zh_Hans")
    assert {i18n_check.entry_key(e) for e in extracted if e.msgid} == {
        (None, "Plain", None),
        ("verb", "Open", None),
        (None, "Kept", None),
        (None, "Merge “%(name)s” now.", None),
        (None, "%(n)s grid", "%(n)s grids"),
        (None, "Saved.", None),
        ("month", "May", None),
        (None, "%(n)s left", None),
    }
    assert list((package / "locale").iterdir()) == []  # built in a copy, not in the package


def test_the_check_finds_a_msgid_missing_from_the_catalogue_and_one_the_source_lost(package):
    require_gettext()
    (package / "templates" / "t.html").unlink()
    (package / "views.py").write_text(
        "from django.utils.translation import gettext as _\n"
        'a = _("Saved.")\nb = _("Not translated yet")\nc = _("Excel as \\u201cCSV\\u201d")\n',
        encoding="utf-8",
    )
    po_file = write_catalogue(
        package,
        """\
        msgid "Saved."
        msgstr "已保存。"

        msgid "Gone from the source"
        msgstr "已删除"
        """,
    )
    assert i18n_check.source_problems(po_file, package, "zh_Hans") == [
        "pkg/views.py: not in the catalogue (run make messages): 'Not translated yet'",
        "pkg/views.py: xgettext reads a backslash escape literally, write the character itself: "
        "'Excel as \\\\u201cCSV\\\\u201d'",
        f"{po_file}: no longer in the source (make messages makes it obsolete): "
        "'Gone from the source'",
    ]


def test_make_messages_keeps_every_translation_and_a_second_run_changes_nothing(package, capsys):
    require_gettext()
    po_file = write_catalogue(
        package,
        """\
        #: templates/t.html:2
        msgid "Plain"
        msgstr "普通"

        msgid "No longer used"
        msgstr "不再使用"

        #~ msgid "Saved."
        #~ msgstr "已保存。"
        """,
    )
    long = "A message longer than one line of a catalogue, " * 3
    with (package / "views.py").open("a", encoding="utf-8") as views:
        views.write(f"e = _({long!r})\n")
    with override_settings(LOCALE_PATHS=[package / "locale"]):
        i18n_check.makemessages(package, "zh_Hans")
        i18n_check.compilemessages(package, "zh_Hans")
        first = po_file.read_bytes()
        i18n_check.makemessages(package, "zh_Hans")
    assert po_file.read_bytes() == first
    text = first.decode()
    assert '#: templates/t.html\nmsgid "Plain"\nmsgstr "普通"\n' in text  # no line numbers
    assert '#: views.py\nmsgid "Saved."\nmsgstr "已保存。"\n' in text  # back from obsolete
    assert '#~ msgid "No longer used"\n#~ msgstr "不再使用"\n' in text  # kept, for its return
    assert "POT-Creation-Date" not in text
    assert 'msgid "Merge “%(name)s” now."\nmsgstr ""\n' in text  # new, untranslated
    assert "not this" not in text
    assert f'\nmsgid "{long}"\n' in text  # not wrapped
    mo = polib.mofile(str(po_file.with_suffix(".mo")))
    assert sorted((e.msgid, e.msgstr) for e in mo) == [("Plain", "普通"), ("Saved.", "已保存。")]
    problems = i18n_check.catalogue_problems(po_file)
    assert problems and all("no translation" in p for p in problems)
    assert "fangkong makemessages -l zh_Hans --no-wrap" in capsys.readouterr().out


@pytest.fixture
def village_user(tree, make_user):
    return make_user(tree.huayang)


def test_pages_are_chinese_by_default(tree, village_user, client_for):
    client = client_for(village_user)
    page = client.get(tree.huayang.get_absolute_url()).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "网格" in page and "日报汇总" in page and "村级" in page
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
    assert "Grids" in page and "Daily report summary" in page and "village" in page
    assert "日报汇总" not in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": url})
    assert "日报汇总" in client.get(url).content.decode()


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
