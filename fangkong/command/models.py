"""Leading groups and responsibility (领导小组, 包保责任制, 五级书记; issue #11, first part):
who leads the epidemic work of each division, its working groups and members, which member
covers which division or field (包保), and the Party secretary of each division at the five
levels. Every row copies its division's ``path`` (``division_path``), so lists at any level are
one prefix scan and jurisdiction is the division's."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.command.choices import MemberRole, WorkField
from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.regions.choices import Level

PATH_OPS = ["varchar_pattern_ops", "int8_ops"]


class LeadingGroup(models.Model):
    """The leading group (or command headquarters, 指挥部) of one division, e.g.
    "南关区新冠肺炎疫情防控工作领导小组", with its office (办公室) and the office's phone."""

    scope_path_field = "division_path"

    division = models.OneToOneField(
        "regions.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="leading_group",
    )
    division_path = models.CharField(_("division path"), max_length=128, unique=True)
    name = models.CharField(_("name"), max_length=100)
    office_name = models.CharField(_("office"), max_length=100, blank=True)
    office_phone = models.CharField(_("office phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("leading group")
        verbose_name_plural = _("leading groups")
        ordering = ["division_path"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("command:group", args=[self.pk])


class WorkingGroup(models.Model):
    """A working group (工作组) of a leading group, for one field of work."""

    scope_path_field = "division_path"

    group = models.ForeignKey(
        LeadingGroup,
        verbose_name=_("leading group"),
        on_delete=models.PROTECT,
        related_name="working_groups",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    name = models.CharField(_("name"), max_length=100)
    field = models.CharField(_("field"), max_length=16, choices=WorkField.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["group", "field", "name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="cmdwg_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    """A person in a leading group: name, post (职务), phone and role in the group, optionally
    in one of its working groups. Leaving ends the membership (``left_on``); never deleted."""

    scope_path_field = "division_path"

    group = models.ForeignKey(
        LeadingGroup,
        verbose_name=_("leading group"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    working_group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("working group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    name = models.CharField(_("name"), max_length=50)
    post = models.CharField(_("post"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20)
    role = models.CharField(_("role in the group"), max_length=16, choices=MemberRole.choices)
    # the member's own account, when they have one: escalations and reminders reach it in the
    # app as well as by SMS to ``phone``
    account = models.ForeignKey(
        "accounts.User",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_memberships",
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group", "left_on", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=models.Q(role=MemberRole.LEADER, left_on__isnull=True),
                name="cmdmember_one_leader",
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="cmdmember_left_after_joined",
            ),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "id"], name="cmdmember_path_idx", opclasses=PATH_OPS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.post}）"

    @property
    def active(self) -> bool:
        return self.left_on is None


class Responsibility(models.Model):
    """A 包保 assignment: a group member covers a division inside the group's subtree and/or a
    field of work, from a day to a day (both included). ``covered_path`` is the covered
    division's path, or the group's own when only a field is named: the chain of a village
    finds the leaders covering each of its ancestors by these paths. Ended, never deleted."""

    scope_path_field = "division_path"

    member = models.ForeignKey(
        GroupMember,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("leading group"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    division = models.ForeignKey(
        "regions.Division",
        verbose_name=_("covered division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    covered_path = models.CharField(_("covered path"), max_length=128)
    field = models.CharField(_("field"), max_length=16, choices=WorkField.choices, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["ends_on", "-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="cmdresp_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(division__isnull=False) | ~models.Q(field=""),
                name="cmdresp_division_or_field",
            ),
        ]
        indexes = [
            models.Index(fields=["covered_path", "starts_on"], name="cmdresp_covered_idx"),
            models.Index(
                fields=["division_path", "id"], name="cmdresp_path_idx", opclasses=PATH_OPS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.name} · {self.starts_on}"


class Secretary(models.Model):
    """The Party secretary (书记) of a division at one of the five levels (province, city,
    county, township, village), from a day until a day; setting a new one ends the previous.
    At most one current (``ends_on`` empty) per division."""

    scope_path_field = "division_path"

    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    name = models.CharField(_("name"), max_length=50)
    post = models.CharField(_("post"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("secretary")
        verbose_name_plural = _("secretaries")
        ordering = ["division_path", "-starts_on", "-id"]
        permissions = [
            ("view_chain", _("Can see the chain of secretaries and responsible leaders")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["division"],
                condition=models.Q(ends_on__isnull=True),
                name="cmdsecretary_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="cmdsecretary_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["division_path", "starts_on"], name="cmdsecretary_path_idx"),
        ]

    def __str__(self) -> str:
        return self.name
