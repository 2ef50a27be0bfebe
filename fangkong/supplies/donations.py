"""Donations (捐赠): what was given, by whom, received into which store, and where it went.

A donation received is booked into its store through the ledger (kind ``donation``, one movement
per item, carrying the donation); passing it on is a transfer carrying the donation too, so that
the public page can show, from the ledger alone, which facility received how much of it. What
has been passed on is counted on the donation's line with a conditional ``UPDATE`` that never
goes above what was given (a check constraint guards it as well).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.validators import clean_line
from fangkong.supplies.actions import (
    business_day,
    check_supply,
    post_movement,
    quantity,
    transfer,
    usable_item,
    usable_store,
)
from fangkong.supplies.choices import DonorKind, MovementKind
from fangkong.supplies.models import Donation, DonationLine, Item, Movement, Store

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def record_donation(
    *,
    actor: User,
    donor: Any,
    donor_kind: Any,
    received_on: Any,
    store: Store,
    receiving_org: Any,
    lines: Mapping[Item, Any],
    public: bool = True,
    note: Any = "",
) -> Donation:
    """Record a donation received into a store of the actor's area: the donation, its lines and
    one ``donation`` movement per item, all or nothing."""
    name = clean_line(donor, field="donor", limit=100, required=_("Enter the donor's name."))
    if donor_kind not in DonorKind.values:
        raise ActionError(_("Choose the kind of donor."), code="bad_donor_kind", field="donor_kind")
    when = business_day(received_on, field="received_on")
    org = clean_line(
        receiving_org,
        field="receiving_org",
        limit=100,
        required=_("Enter the organisation that received the donation."),
    )
    text = clean_line(note, field="note", limit=200)
    cleaned: list[tuple[Item, int]] = []
    for item, value in lines.items():
        item = usable_item(item)
        if value in (None, ""):
            continue
        cleaned.append((item, quantity(value, item=item, field=f"item_{item.pk}")))
    if not cleaned:
        raise ActionError(
            _("Enter the quantity of at least one item donated."), code="nothing_donated"
        )
    if not isinstance(store, Store):
        raise ActionError(_("Choose the store that received it."), code="bad_store", field="store")
    with transaction.atomic():
        store = usable_store(actor, store)
        donation = Donation.objects.create(
            donor=name,
            donor_kind=donor_kind,
            received_on=when,
            store=store,
            division_path=store.division_path,
            receiving_org=org,
            public=bool(public),
            note=text,
            created_by=actor,
        )
        DonationLine.objects.bulk_create(
            [DonationLine(donation=donation, item=item, quantity=n) for item, n in cleaned]
        )
        for item, n in cleaned:
            post_movement(
                actor=actor,
                store=store,
                item=item,
                kind=MovementKind.DONATION,
                delta=n,
                day=when,
                reason=_("donated by %(donor)s") % {"donor": name},
                donation=donation,
            )
        record(
            actor=actor,
            action="supplies.donation_record",
            obj=donation,
            division_path=store.division_path,
            changes={
                "donor": name,
                "donor_kind": str(donor_kind),
                "received_on": str(when),
                "store": store.pk,
                "receiving_org": org,
                "public": bool(public),
                **{item.code: n for item, n in cleaned},
            },
        )
        ids = [item.pk for item, _n in cleaned]
        check_supply(store.pk, ids)
    return donation


def distribute_donation(
    *,
    actor: User,
    donation: Donation,
    target_store: Store,
    item: Any,
    quantity_value: Any,
    day: Any = None,
) -> tuple[Movement, Movement]:
    """Pass on part of a donation from the store that received it to another store of the
    actor's area (a transfer carrying the donation). Never more than was donated of the item
    and not passed on yet, even under concurrent requests; never more than the store holds."""
    item = usable_item(item)
    amount = quantity(quantity_value, item=item)
    when = business_day(day)
    if not isinstance(target_store, Store):
        raise ActionError(_("Choose the store it goes to."), code="bad_store", field="target_store")
    with transaction.atomic():
        donation = Donation.objects.select_related("store").get(pk=donation.pk)
        ensure_in_scope(actor, donation.division_path)
        target = usable_store(actor, target_store)
        if target.pk == donation.store_id:
            raise ActionError(
                _("The donation is in this store already: choose another store."),
                code="same_store",
                field="target_store",
            )
        line = DonationLine.objects.filter(donation=donation, item=item).first()
        if line is None:
            raise ActionError(
                _("%(item)s is not part of this donation.") % {"item": item.name},
                code="item_not_donated",
                field="item",
            )
        moved = DonationLine.objects.filter(
            pk=line.pk, distributed__lte=F("quantity") - amount
        ).update(distributed=F("distributed") + amount)
        if not moved:
            left = DonationLine.objects.filter(pk=line.pk).values_list(
                F("quantity") - F("distributed"), flat=True
            )[0]
            raise ActionError(
                _(
                    "Only %(left)s %(unit)s of %(item)s of this donation are left to pass on, "
                    "%(want)s asked."
                )
                % {
                    "left": f"{left:,}",
                    "unit": item.unit,
                    "item": item.name,
                    "want": f"{amount:,}",
                },
                code="over_donation",
                field="quantity",
            )
        movements = transfer(
            actor=actor,
            source=donation.store,
            target=target,
            item=item,
            amount=amount,
            day=when,
            reason=_("donation of %(donor)s") % {"donor": donation.donor},
            donation=donation,
        )
        record(
            actor=actor,
            action="supplies.donation_distribute",
            obj=donation,
            division_path=donation.division_path,
            changes={
                "item": item.code,
                "quantity": amount,
                "to_store": target.pk,
                "day": str(when),
            },
        )
        source_id, target_id, item_id = donation.store_id, target.pk, item.pk
        check_supply(source_id, [item_id])
        check_supply(target_id, [item_id])
    return movements


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where some of a donation went: a store (a facility's, by its name), an item, how many."""

    store: str
    item: str
    unit: str
    quantity: int


def destinations(donation_ids: Sequence[int]) -> dict[int, list[Destination]]:
    """Where each donation went, from the ledger (transfers in carrying the donation), summed
    per receiving store and item: one query for any number of donations."""
    found: dict[int, list[Destination]] = defaultdict(list)
    if not donation_ids:
        return found
    rows = (
        Movement.objects.filter(donation_id__in=list(donation_ids), kind=MovementKind.TRANSFER_IN)
        .values_list("donation_id", "store__name", "item__name", "item__unit")
        .annotate(total=Sum("quantity"))
        .order_by("donation_id", "store__name", "item__name")
    )
    for donation_id, store, item, unit, total in rows:
        found[donation_id].append(Destination(store, item, unit, int(total)))
    return found


def public_donations() -> QuerySet[Donation]:
    """The donations shown on the public page, newest first, with their lines' items."""
    return (
        Donation.objects.filter(public=True)
        .only("id", "donor", "donor_kind", "received_on", "receiving_org")
        .prefetch_related(
            Prefetch(
                "lines", queryset=DonationLine.objects.select_related("item").order_by("item__code")
            )
        )
        .order_by("-received_on", "-id")
    )
