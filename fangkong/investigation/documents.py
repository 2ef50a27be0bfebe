"""What the investigation produces for others: the public trajectory notice (行程轨迹公告) and the
investigation report as a Word document. Both are generated from the same record.

The notice names no one: no name, no ID or phone number, no exact home address; only sex, age,
the county and community of residence, and the places and times (the text a publicity office
released in 2020). A place of kind *home* is written as the residential compound or village it
lies in (华阳社区), never with its name or street address: a home place is recorded under the
address, and often named after it or after the family."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.investigation.choices import MovementTransport, PlaceKind, Protection
from fangkong.investigation.models import Investigation, Movement
from fangkong.investigation.selectors import movements_by_day
from fangkong.people.choices import Sex
from fangkong.regions.choices import Level
from fangkong.regions.models import Division


def short_date(day: dt.date) -> str:
    return _("%(month)s/%(day)s") % {"month": day.month, "day": day.day}


def clock(t: dt.time) -> str:
    return f"{t.hour}:{t.minute:02d}"


def span(m: Movement) -> str:
    if m.start_time and m.end_time:
        return f"{clock(m.start_time)}—{clock(m.end_time)}"
    if m.start_time:
        return _("from %(time)s") % {"time": clock(m.start_time)}
    return ""


def age_of(birth: dt.date | None, on: dt.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def village_of(division: Division | None) -> Division | None:
    """The residential compound or village (level 5) ``division`` lies in; a division above
    that level is itself."""
    while division is not None and division.level > Level.VILLAGE:
        division = division.parent
    return division


def residence(investigation: Investigation) -> str:
    """The county and community (village level) of the case's current address."""
    case = investigation.case
    division = village_of(case.address_division)
    parts = [case.county.name]
    if division is not None and division.level == Level.VILLAGE:
        parts.append(division.name)
    return "".join(parts)


def _transport(m: Movement) -> str:
    number, seat = m.transport_number, m.seat
    if m.transport == MovementTransport.TRAIN:
        text = _("took train %(number)s") % {"number": number}
    elif m.transport == MovementTransport.FLIGHT:
        text = _("took flight %(number)s") % {"number": number}
    elif m.transport == MovementTransport.BUS:
        text = _("took the bus") + (f" {number}" if number else "")
    elif m.transport == MovementTransport.METRO:
        text = _("took the metro") + (f" {number}" if number else "")
    elif m.transport == MovementTransport.TAXI:
        text = _("took a taxi")
    elif m.transport == MovementTransport.CAR:
        text = _("drove")
    elif m.transport == MovementTransport.WALK:
        text = _("walked")
    elif m.transport == MovementTransport.COACH:
        text = _("took a long-distance coach") + (f" {number}" if number else "")
    elif m.transport == MovementTransport.OTHER:
        text = _("travelled")
    else:
        return ""
    if seat:
        text += _(" (%(seat)s)") % {"seat": seat}
    return text


def public_place(m: Movement) -> str:
    """The place as the public notice names it: a home only by its compound or village (its
    name and address would give the case's home away), any other place with its address."""
    if m.place.kind == PlaceKind.HOME:
        village = village_of(m.place.division)
        if village is None:
            return _("home")
        return _("home in %(area)s") % {"area": village.name}
    place = m.place.name
    if m.place.address:
        place += _(" (%(address)s)") % {"address": m.place.address}
    return place


def movement_sentence(m: Movement) -> str:
    """ "8:00—9:30 乘坐K7382次列车（3车厢）到达长春站（人民大街1号），全程佩戴口罩" """
    place = public_place(m)
    how = _transport(m)
    if how:
        what = _("%(how)s to %(place)s") % {"how": how, "place": place}
    else:
        what = _("at %(place)s") % {"place": place}
    if m.protection in (Protection.SURGICAL, Protection.N95, Protection.FULL):
        what += _(", wearing a mask throughout")
    return " ".join(part for part in (span(m), what) if part)


def trajectory_notice(investigation: Investigation, *, number: int = 1) -> str:
    """The public trajectory notice of the case, as plain text (one line per day)."""
    case = investigation.case
    person = case.person
    on = timezone.localtime(case.diagnosed_at).date()
    facts = [_("Case %(n)s") % {"n": number}]
    if person.sex in (Sex.MALE, Sex.FEMALE):
        facts.append(str(Sex(person.sex).label))
    age = age_of(person.birth_date, on)
    if age is not None:
        facts.append(_("%(age)s years old") % {"age": age})
    facts.append(_("lives in %(area)s") % {"area": residence(investigation)})
    lines = [pgettext("trajectory", ", ").join(facts) + pgettext("trajectory", ".")]
    for day, movements in movements_by_day(investigation):
        sentences = pgettext("trajectory", "; ").join(movement_sentence(m) for m in movements)
        lines.append(f"{short_date(day)} {sentences}{pgettext('trajectory', '.')}")
    if len(lines) == 1:
        lines.append(_("No movements recorded."))
    return "\n".join(lines)


def report_docx(investigation: Investigation) -> bytes:
    """The investigation report (流行病学调查报告) as a Word document."""
    import docx  # python-docx: loaded only when a report is downloaded

    case = investigation.case
    person = case.person
    doc = docx.Document()
    doc.add_heading(_("Epidemiological investigation report"), level=1)
    doc.add_paragraph(
        _("Case %(number)s, investigated by %(name)s from %(start)s.")
        % {
            "number": case.number,
            "name": investigation.investigator_name,
            "start": timezone.localtime(investigation.started_at).strftime("%Y-%m-%d %H:%M"),
        }
    )
    doc.add_heading(_("The case"), level=2)
    facts = doc.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    age = age_of(person.birth_date, timezone.localtime(case.diagnosed_at).date())
    for label, value in (
        (_("Name"), person.name),
        (_("Sex"), str(Sex(person.sex).label) if person.sex in Sex.values else ""),
        (_("Age"), str(age) if age is not None else ""),
        (_("Current address"), case.address),
        (_("Category"), case.get_category_display()),
        (_("Onset date"), case.onset_date.isoformat() if case.onset_date else "—"),
        (_("Diagnosed at"), timezone.localtime(case.diagnosed_at).strftime("%Y-%m-%d %H:%M")),
        (
            _("Movements from"),
            f"{investigation.window_start.isoformat()} — {investigation.window_end.isoformat()}",
        ),
    ):
        row = facts.add_row().cells
        row[0].text, row[1].text = str(label), value
    doc.add_heading(_("Movements"), level=2)
    days = movements_by_day(investigation)
    if not days:
        doc.add_paragraph(_("No movements recorded."))
    for day, movements in days:
        doc.add_heading(day.isoformat(), level=3)
        table = doc.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        head = table.rows[0].cells
        for cell, label in zip(
            head,
            (_("Time"), _("Place"), _("Transport"), _("People met"), _("Protection")),
            strict=True,
        ):
            cell.text = str(label)
        for m in movements:
            cells = table.add_row().cells
            cells[0].text = span(m)
            cells[1].text = m.place.name + (f"（{m.place.address}）" if m.place.address else "")
            cells[2].text = " ".join(
                p for p in (m.get_transport_display(), m.transport_number, m.seat) if p
            )
            cells[3].text = m.people_met
            cells[4].text = m.get_protection_display()
    doc.add_heading(_("Possible sources"), level=2)
    sources = list(investigation.sources.select_related("source_case", "place"))
    if not sources:
        doc.add_paragraph(_("None recorded."))
    for s in sources:
        doc.add_paragraph(source_text(s), style="List Bullet")
    doc.add_heading(_("Conclusion"), level=2)
    doc.add_paragraph(investigation.conclusion or _("The investigation is in progress."))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def source_text(source: object) -> str:
    from fangkong.investigation.models import SourceLead

    assert isinstance(source, SourceLead)
    text = str(source.get_kind_display())
    if source.source_case is not None:
        text += f"：{source.source_case.number}"
    elif source.place is not None:
        text += f"：{source.place.name}"
    elif source.area:
        text += f"：{source.area}"
    if source.note:
        text += f"（{source.note}）"
    return text
