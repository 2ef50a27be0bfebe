"""The person pages through real HTTP: list, person page, register, edit, move, reveal.

Messages are checked through what they contain (names, dates, codes) or by comparing with the
action's message, so the tests hold before and after the Chinese catalog is filled in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.people import actions, selectors
from fangkong.people.choices import DocType, PersonStatus, RevealReason
from fangkong.people.models import Person, PersonMove
from fangkong.people.tests.conftest import (
    LI_ID,
    ZHANG_ID,
    audit_mark,
    audit_since,
    everything,
    new_id,
)

LIST = reverse("people:list")
NEW = reverse("people:create")


def detail(person: Person) -> str:
    return reverse("people:detail", args=[person.pk])


def text(response: Any) -> str:
    return response.content.decode()


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def form_errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return dict(response.context["form"].errors)


def registration(grid: Any, **fields: Any) -> dict[str, Any]:
    return {
        "grid": grid.code,
        "name": "张伟",
        "doc_type": DocType.RESIDENT_ID.value,
        "doc_number": ZHANG_ID,
        "sex": "",
        "birth_date": "",
        "phone": "13812345678",
        "address": "华阳街 8 号 301",
        **fields,
    }


# --- the list ----------------------------------------------------------------------------------


def test_a_grid_worker_lists_the_people_of_their_grid_masked(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    make_person("张伟", doc_number=ZHANG_ID, phone="13812345678")
    make_person("李娜", grid=tree.grid2, doc_number=LI_ID)
    make_person("赵强", grid=tree.other_grid)
    page = text(client_for(worker).get(LIST))
    # then their own grid's people, with the number and phone masked
    assert "张伟" in page
    assert "220102********1237" in page and "138****5678" in page
    assert ZHANG_ID not in page and "13812345678" not in page
    # and nobody from another grid
    assert "李娜" not in page and "赵强" not in page


def test_a_county_lists_its_whole_subtree_and_filters_by_division_grid_and_status(
    tree: Any, county: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    zhang = make_person("张伟")
    li = make_person("李娜", grid=tree.grid2)
    make_person("赵强", grid=tree.other_grid)
    Person.objects.filter(pk=li.pk).update(status=PersonStatus.HOME_OBSERVATION)
    client = client_for(county)

    def names(**query: str) -> set[str]:
        response = client.get(LIST, query)
        assert response.status_code == 200
        return {p.name for p in response.context["page"].items}

    assert names() == {"张伟", "李娜"}
    assert names(within=tree.huayang.code) == {"张伟", "李娜"}
    assert names(within=tree.hengan.code) == set()
    assert names(grid=tree.grid1.code) == {"张伟"}
    assert names(status=PersonStatus.HOME_OBSERVATION) == {"李娜"}
    assert names(grid=tree.grid1.code, status=PersonStatus.HOME_OBSERVATION) == set()
    assert zhang.pk != li.pk


def test_a_division_or_grid_outside_the_jurisdiction_answers_404(
    tree: Any, worker: User, county: User, client_for: Callable[..., Client]
) -> None:
    assert client_for(county).get(LIST, {"within": tree.dongshi.code}).status_code == 404
    assert client_for(county).get(LIST, {"grid": tree.other_grid.code}).status_code == 404
    assert client_for(worker).get(LIST, {"grid": tree.grid2.code}).status_code == 404
    assert client_for(county).get(LIST, {"within": "22<script>"}).status_code == 404
    # a division that is not a grid is not a grid
    assert client_for(county).get(LIST, {"grid": tree.huayang.code}).status_code == 404


def test_a_status_not_in_the_list_is_said_and_ignored(
    tree: Any, county: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    make_person("张伟")
    response = client_for(county).get(LIST, {"status": "dead"})
    assert response.status_code == 200
    assert response.context["errors"] and len(response.context["page"].items) == 1


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("张", {"张伟", "张小红"}),
        ("张伟", {"张伟"}),
        ("伟", set()),  # a name is searched from its start
        (ZHANG_ID, {"张伟"}),
        (ZHANG_ID.lower()[:6] + " " + ZHANG_ID[6:], {"张伟"}),
        ("220102850307123", {"张伟"}),  # the 15-digit form of the same number
        (ZHANG_ID[:-1], set()),  # part of a number finds nothing: numbers match exactly
        ("13812345678", {"张伟"}),
        ("1381234", set()),
        ("e12345678", {"John"}),
        ("13900000000", set()),
    ],
)
def test_search_by_name_full_document_number_or_phone(
    tree: Any,
    county: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
    query: str,
    found: set[str],
) -> None:
    make_person("张伟", doc_number=ZHANG_ID, phone="13812345678")
    make_person("张小红", doc_number=LI_ID)
    make_person("John", doc_type=DocType.PASSPORT, doc_number="E12345678")
    make_person("赵伟", grid=tree.other_grid, phone="13812345678")  # outside: never found
    response = client_for(county).get(LIST, {"q": query})
    assert {p.name for p in response.context["page"].items} == found


def test_the_list_pages_by_id_newest_first_and_loads_more_in_place(
    tree: Any, county: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    people = [make_person(f"居民{i:02d}") for i in range(selectors.PAGE + 5)]
    client = client_for(county)
    first = client.get(LIST)
    shown = [p.pk for p in first.context["page"].items]
    assert shown == [p.pk for p in reversed(people)][: selectors.PAGE]
    next_after = first.context["page"].next_after
    assert next_after == shown[-1]
    assert f"after={next_after}" in text(first)
    # when "load more" asks with htmx, only the next rows come back
    more = client.get(LIST, {"after": next_after}, headers={"HX-Request": "true"})
    assert "<html" not in text(more) and text(more).count('class="linked"') == 5
    assert [p.pk for p in more.context["page"].items] == [p.pk for p in reversed(people[:5])]
    assert more.context["page"].next_after is None
    # and a nonsense "after" is refused with 400, never a server error (core.parsing)
    assert client.get(LIST, {"after": "x" * 30}).status_code == 400


def test_the_list_page_runs_a_fixed_number_of_queries(
    tree: Any,
    county: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
    django_assert_num_queries: Any,
) -> None:
    client = client_for(county)
    for i in range(3):
        make_person(f"居民{i}", grid=tree.grid1 if i % 2 else tree.grid2)
    # session, user, permissions (the user's, their groups'), home division, the page of
    # people with their grids, the header's unread notifications: seven, however many people
    with django_assert_num_queries(7):
        response = client.get(LIST, {"status": PersonStatus.NORMAL})
    assert len(response.context["page"].items) == 3
    for i in range(40):
        make_person(f"更多居民{i}", grid=tree.grid1 if i % 2 else tree.grid2)
    with django_assert_num_queries(7):
        response = client.get(LIST, {"status": PersonStatus.NORMAL})
    assert len(response.context["page"].items) == 43


def test_the_navigation_offers_people_to_those_who_may_see_them(
    tree: Any, worker: User, make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    checkpoint = make_user(tree.huayang, roles=[Role.CHECKPOINT_STAFF])
    assert f'href="{LIST}"' in text(client_for(worker).get("/", follow=True))
    assert f'href="{LIST}"' not in text(client_for(checkpoint).get("/", follow=True))
    assert client_for(checkpoint).get(LIST).status_code == 403


# --- a person's page ---------------------------------------------------------------------------


def test_the_person_page_shows_masked_details_household_and_moves(
    tree: Any,
    secretary: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
) -> None:
    zhang = make_person("张伟", doc_number=ZHANG_ID, phone="13812345678", address="华阳街 8 号")
    make_person("张小红", doc_number=LI_ID, address="华阳街 8 号")
    actions.move_person(actor=secretary, person=zhang, grid=tree.grid2)
    actions.move_person(actor=secretary, person=zhang, grid=tree.grid1)
    page = text(client_for(secretary).get(detail(zhang)))
    assert "220102********1237" in page and "138****5678" in page
    assert ZHANG_ID not in page and "13812345678" not in page
    assert "1985-03-07" in page
    assert "张小红" in page  # the household
    assert 'id="history-moves"' in page
    assert page.count("第一网格 → 第二网格") == 1 and page.count("第二网格 → 第一网格") == 1
    assert reverse("people:reveal", args=[zhang.pk]) in page
    assert reverse("people:move", args=[zhang.pk]) in page


def test_a_grid_worker_has_nowhere_to_move_people_to(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    person = make_person()
    page = text(client_for(worker).get(detail(person)))
    assert reverse("people:edit", args=[person.pk]) in page
    assert reverse("people:move", args=[person.pk]) not in page


def test_a_person_outside_the_jurisdiction_answers_404_on_every_page(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    theirs = make_person("赵强", grid=tree.other_grid)
    client = client_for(worker)
    before = everything()
    for name in ("detail", "edit", "move"):
        assert client.get(reverse(f"people:{name}", args=[theirs.pk])).status_code == 404
    for name, data in (
        ("edit", {"name": "改名", "address": ""}),
        ("move", {"grid": tree.grid1.code}),
        ("reveal", {"reason": RevealReason.CONTACT.value}),
    ):
        assert client.post(reverse(f"people:{name}", args=[theirs.pk]), data).status_code == 404
    assert client.get(reverse("people:detail", args=[10**12])).status_code == 404
    assert everything() == before


def test_show_full_number_reveals_once_and_is_audited(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    person = make_person(doc_number=ZHANG_ID, phone="13812345678")
    client = client_for(worker)
    mark = audit_mark()
    response = client.post(
        reverse("people:reveal", args=[person.pk]), {"reason": RevealReason.CONTACT.value}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = text(response)
    assert ZHANG_ID in page and 'href="tel:13812345678"' in page
    [event] = audit_since(mark)
    assert (event.action, event.actor, event.object_id) == ("person.reveal", worker, str(person.pk))
    assert event.reason == str(RevealReason.CONTACT.label)
    # and the next visit is masked again
    assert ZHANG_ID not in text(client.get(detail(person)))


def test_roles_without_the_unmask_permission_get_no_button_and_403(
    tree: Any, county: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    person = make_person(doc_number=ZHANG_ID)
    client = client_for(county)
    assert reverse("people:reveal", args=[person.pk]) not in text(client.get(detail(person)))
    before = everything()
    response = client.post(
        reverse("people:reveal", args=[person.pk]), {"reason": RevealReason.CONTACT.value}
    )
    assert response.status_code == 403
    assert ZHANG_ID not in text(response)
    assert everything() == before


def test_reveal_needs_a_reason_from_the_list(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    person = make_person(doc_number=ZHANG_ID)
    before = everything()
    for reason in ("", "curiosity"):
        response = client_for(worker).post(
            reverse("people:reveal", args=[person.pk]), {"reason": reason}
        )
        assert response.status_code == 200
        assert response.context["reveal_form"].errors
        assert ZHANG_ID not in text(response)
    assert client_for(worker).get(reverse("people:reveal", args=[person.pk])).status_code == 405
    assert everything() == before


def test_modules_add_sections_to_the_person_page_from_one_list(
    tree: Any,
    worker: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a module's section listed after the moves (here: the household's people, in the
    # moves' template, standing in for people/_history_screening.html and its selector)
    person = make_person()
    extra = selectors.HistorySection(
        "screenings", "排查记录", "people/_history_moves.html", f"{__name__}.no_rows"
    )
    monkeypatch.setattr(selectors, "HISTORY_SECTIONS", [*selectors.HISTORY_SECTIONS, extra])
    # when the page is opened
    page = text(client_for(worker).get(detail(person)))
    # then each section is there, in the list's order
    assert page.index('id="history-moves"') < page.index('id="history-screenings"')
    assert "排查记录" in page


def no_rows(person: Person, user: User) -> Any:
    return PersonMove.objects.none()


def test_a_history_section_shows_its_newest_rows_and_says_there_are_more(
    tree: Any, secretary: User, make_person: Callable[..., Person]
) -> None:
    person = make_person()
    for i in range(selectors.HISTORY_ROWS + 1):
        grid = tree.grid2 if i % 2 == 0 else tree.grid1
        actions.move_person(actor=secretary, person=person, grid=grid)
    sections = {s.key: s for s in selectors.history_sections(person, secretary)}
    moves = sections["moves"]
    assert len(moves.rows) == selectors.HISTORY_ROWS and moves.more


# --- register ----------------------------------------------------------------------------------


def test_a_grid_worker_registers_a_person_in_their_own_grid(
    tree: Any, worker: User, client_for: Callable[..., Client]
) -> None:
    client = client_for(worker)
    # the form opens on their own grid without asking
    form_page = client.get(NEW)
    assert form_page.status_code == 200 and form_page.context["grid"] == tree.grid1
    assert f'name="grid" value="{tree.grid1.code}"' in text(form_page)
    # when they register someone with only the ID number
    response = client.post(NEW, registration(tree.grid1))
    person = Person.objects.get(doc_number=ZHANG_ID)
    assert response.status_code == 302 and response["Location"] == detail(person)
    # then sex and birth date come from the number, and the page says so
    assert (person.sex, person.birth_date, person.grid) == ("M", dt.date(1985, 3, 7), tree.grid1)
    page = client.get(detail(person))
    assert any("张伟" in m for m in messages_of(page))
    assert "1985-03-07" in text(page)


def test_a_village_picks_a_grid_first(
    tree: Any, secretary: User, client_for: Callable[..., Client]
) -> None:
    client = client_for(secretary)
    page = client.get(NEW)
    assert [g.code for g in page.context["grids"]] == [tree.grid1.code, tree.grid2.code]
    assert f"?grid={tree.grid2.code}" in text(page)
    form_page = client.get(NEW, {"grid": tree.grid2.code})
    assert form_page.context["grid"] == tree.grid2


def test_a_known_identity_opens_the_existing_record_and_says_so(
    tree: Any,
    secretary: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
) -> None:
    existing = make_person("张伟", doc_number=ZHANG_ID)
    client = client_for(secretary)
    before = Person.objects.count()
    response = client.post(
        f"{NEW}?grid={tree.grid2.code}",
        registration(tree.grid2, doc_number=ZHANG_ID.lower()),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == detail(existing)
    assert Person.objects.count() == before
    [message] = messages_of(response)
    assert "张伟" in message and "第一网格" in message and "第二网格" in message


def test_a_person_from_another_county_registers_like_a_new_one_and_the_old_county_sees_the_move(
    tree: Any,
    worker: User,
    other_worker: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
) -> None:
    # given 张伟 registered in 吉林市, with his phone and address there
    theirs = make_person(
        "张伟",
        grid=tree.other_grid,
        doc_number=ZHANG_ID,
        phone="13900000001",
        address="东市场 1 号",
    )

    # when 第一网格's worker registers him with the form, typing where he lives now
    response = client_for(worker).post(
        f"{NEW}?grid={tree.grid1.code}", registration(tree.grid1), follow=True
    )

    # then the worker sees a new registration, with only what was typed
    ours = Person.objects.visible_to(worker).get()
    assert ours.pk != theirs.pk and response.redirect_chain[-1][0] == detail(ours)
    [message] = messages_of(response)
    assert message == "张伟 已登记在第一网格。"
    page = text(response)
    assert "华阳街 8 号 301" in page and "138****5678" in page
    for secret in ("东市场", "139****0001", "吉林市", 'id="moved-away"'):
        assert secret not in page
    # and 吉林市 still lists him, saying when he moved and where to, as far as it may know
    mine = client_for(other_worker)
    listed = text(mine.get(LIST))
    assert "张伟" in listed and "已迁往 长春市" in listed
    assert "南关区" not in listed and "华阳" not in listed
    assert "张伟" in text(mine.get(LIST, {"moved": "1"}))
    assert "张伟" not in text(mine.get(LIST, {"moved": "0"}))
    # and his page there keeps his record and history, with a note of the move
    page = text(mine.get(detail(theirs)))
    assert 'id="moved-away"' in page and "长春市" in page and "东市场 1 号" in page
    assert "南关区" not in page and "华阳" not in page
    assert reverse("people:move", args=[theirs.pk]) not in page


def test_sex_that_contradicts_the_number_is_a_clear_form_error(
    tree: Any, worker: User, client_for: Callable[..., Client]
) -> None:
    before = everything()
    response = client_for(worker).post(NEW, registration(tree.grid1, sex="F"))
    errors = form_errors(response)
    assert list(errors) == ["sex"]
    assert everything() == before


def test_birth_date_that_contradicts_the_number_says_what_the_number_says(
    tree: Any, worker: User, client_for: Callable[..., Client]
) -> None:
    before = everything()
    response = client_for(worker).post(NEW, registration(tree.grid1, birth_date="1985-07-03"))
    errors = form_errors(response)
    assert list(errors) == ["birth_date"] and "1985-03-07" in errors["birth_date"][0]
    assert everything() == before


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"doc_number": ZHANG_ID[:17] + "8"}, "doc_number", ""),  # bad check character
        ({"doc_number": "220102198502300013"}, "doc_number", "19850230"),  # 30 February
        ({"doc_number": "22010219850307"}, "doc_number", "14"),  # wrong length
        ({"doc_number": "1" * 41}, "doc_number", ""),  # longer than the field
        (
            {
                "doc_type": DocType.PASSPORT.value,
                "doc_number": "E12345678",
                "birth_date": "2999-01-01",
            },
            "birth_date",
            "",
        ),  # future birth date
        ({"birth_date": "1985-02-30"}, "birth_date", ""),  # not a date
        ({"name": "张" * 51}, "name", ""),
        ({"name": ""}, "name", ""),
        ({"phone": "12345"}, "phone", ""),
        ({"address": "华" * 201}, "address", ""),
        ({"doc_type": "licence"}, "doc_type", ""),
        ({"sex": "X"}, "sex", ""),
    ],
)
def test_bad_registrations_are_refused_with_a_message_and_write_nothing(
    tree: Any,
    worker: User,
    client_for: Callable[..., Client],
    fields: dict[str, Any],
    field: str,
    fragment: str,
) -> None:
    before = everything()
    response = client_for(worker).post(NEW, registration(tree.grid1, **fields))
    errors = form_errors(response)
    assert list(errors) == [field], errors
    assert errors[field][0].strip() and fragment in errors[field][0]
    assert everything() == before


def test_registering_in_another_jurisdictions_grid_answers_404_and_writes_nothing(
    tree: Any, worker: User, client_for: Callable[..., Client]
) -> None:
    client = client_for(worker)
    before = everything()
    assert client.get(NEW, {"grid": tree.other_grid.code}).status_code == 404
    assert client.get(NEW, {"grid": tree.grid2.code}).status_code == 404
    assert client.post(NEW, registration(tree.other_grid)).status_code == 404
    assert client.post(NEW, registration(tree.grid2, doc_number=new_id())).status_code == 404
    assert client.post(NEW, {**registration(tree.grid1), "grid": "9" * 40}).status_code == 404
    assert everything() == before


def test_a_role_that_may_not_register_gets_403(
    tree: Any, make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    city = make_user(tree.changchun, roles=[Role.CITY_COMMAND])
    before = everything()
    response = client_for(city).post(NEW, registration(tree.grid1))
    assert response.status_code == 403
    assert everything() == before


# --- edit and move -----------------------------------------------------------------------------


def test_editing_keeps_the_phone_unless_a_new_one_is_typed(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    person = make_person(doc_number=ZHANG_ID, phone="13812345678", address="华阳街 8 号")
    client = client_for(worker)
    url = reverse("people:edit", args=[person.pk])
    form_page = text(client.get(url))
    assert "13812345678" not in form_page and "138****5678" in form_page
    # an empty phone keeps it; sex posted against the number is ignored (the field is fixed)
    response = client.post(url, {"name": "张伟", "phone": "", "address": "华阳街 9 号", "sex": "F"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.address, person.sex) == ("13812345678", "华阳街 9 号", "M")
    # a new phone replaces it
    client.post(url, {"name": "张伟", "phone": "13987654321", "address": "华阳街 9 号"})
    person.refresh_from_db()
    assert person.phone == "13987654321"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "phone": "", "address": ""}, "name"),
        ({"name": "张伟", "phone": "999", "address": ""}, "phone"),
        ({"name": "张伟", "phone": "", "address": "华" * 201}, "address"),
    ],
)
def test_bad_edits_are_refused_and_write_nothing(
    tree: Any,
    worker: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
    data: dict[str, str],
    field: str,
) -> None:
    person = make_person()
    before = everything()
    response = client_for(worker).post(reverse("people:edit", args=[person.pk]), data)
    assert list(form_errors(response)) == [field]
    assert everything() == before


def test_a_passport_holders_sex_and_birth_date_can_be_edited(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    person = make_person("John", doc_type=DocType.PASSPORT, doc_number="E12345678")
    url = reverse("people:edit", args=[person.pk])
    response = client_for(worker).post(
        url, {"name": "John", "sex": "M", "birth_date": "1970-05-01", "phone": "", "address": ""}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.sex, person.birth_date) == ("M", dt.date(1970, 5, 1))
    response = client_for(worker).post(
        url, {"name": "John", "sex": "M", "birth_date": "2999-05-01", "phone": "", "address": ""}
    )
    assert list(form_errors(response)) == ["birth_date"]


def test_the_village_moves_a_person_to_another_of_its_grids(
    tree: Any,
    secretary: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
) -> None:
    person = make_person()
    client = client_for(secretary)
    url = reverse("people:move", args=[person.pk])
    form_page = client.get(url)
    assert f'value="{tree.grid2.code}"' in text(form_page)
    assert f'value="{tree.grid1.code}"' not in text(form_page)  # where they already are
    response = client.post(url, {"grid": tree.grid2.code})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.grid == tree.grid2
    assert PersonMove.objects.filter(person=person, to_grid=tree.grid2).count() == 1


@pytest.mark.parametrize("code", ["220202001001001", "229999999999999", "", "x" * 16])
def test_a_move_to_a_grid_outside_the_jurisdiction_is_a_form_error_like_none(
    tree: Any,
    secretary: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
    code: str,
) -> None:
    person = make_person()
    before = everything()
    response = client_for(secretary).post(reverse("people:move", args=[person.pk]), {"grid": code})
    assert list(form_errors(response)) == ["grid"]
    assert everything() == before


def test_no_page_leaks_a_full_number_in_its_html(
    tree: Any,
    county: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
) -> None:
    person = make_person(doc_number=ZHANG_ID, phone="13812345678")
    client = client_for(county)
    for url in (LIST, detail(person), reverse("people:edit", args=[person.pk])):
        page = text(client.get(url))
        assert not re.search(ZHANG_ID + "|13812345678", page), url
