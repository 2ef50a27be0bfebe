"""Leading groups and responsibility (领导小组, 包保责任制, 五级书记; issue #11, first part):
who leads the epidemic work of each division, its working groups and members, which member
covers which division or field (包保), and the Party secretary of each division at the five
levels. Every row copies its division's ``path`` (``division_path``), so lists at any level are
one prefix scan and jurisdiction is the division's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.command.choices import (
    ClosureState,
    Department,
    DirectiveKind,
    MemberRole,
    RecipientState,
    VenueKind,
    WorkField,
)
from fangkong.core.jurisdiction import ALL, ScopedQuerySet, TwoSidedQuerySet, scope_of
from fangkong.regions.choices import Level

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

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


# --- directives (指令) and closure orders ------------------------------------------------------


class DirectiveQuerySet(ScopedQuerySet["Directive"]):
    """Directives seen from two sides: the issuer's subtree (``division_path``) and every
    division that received it (a recipient inside the user's subtree)."""

    def visible_to(self, user: User | AnonymousUser | None) -> Self:
        scope = scope_of(user)
        if scope is None:
            return self.none()
        if scope == ALL:
            return self.all()
        received = DirectiveRecipient.objects.filter(division_path__startswith=scope).values(
            "directive_id"
        )
        return self.filter(models.Q(division_path__startswith=scope) | models.Q(pk__in=received))


class Directive(models.Model):
    """A directive (指令) issued by a division's command office to subordinate divisions (or
    departments at them): title, content, deadline and the feedback each recipient must give.
    A closure order (``kind`` closure) also orders venues closed (:class:`VenueClosure`); a
    reopening order reopens them. A recipient may pass it on to its own subordinates: the new
    directive names it as ``parent_recipient``. ``division_path`` is the issuer's path."""

    scope_path_field = "division_path"

    division = models.ForeignKey(
        "regions.Division",
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    kind = models.CharField(
        _("kind"), max_length=10, choices=DirectiveKind.choices, default=DirectiveKind.PLAIN
    )
    title = models.CharField(_("title"), max_length=100)
    content = models.TextField(_("content"))
    deadline = models.DateTimeField(_("deadline"))
    feedback_required = models.TextField(_("feedback required"), blank=True)
    # the level chosen ("all villages under me"), when the recipients were chosen by level
    target_level = models.PositiveSmallIntegerField(
        _("recipients' level"), choices=Level.choices, null=True, blank=True
    )
    issued_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("issued by (user)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    parent_recipient = models.ForeignKey(
        "command.DirectiveRecipient",
        verbose_name=_("passed on from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="passed_on_as",
    )

    objects = DirectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(
                fields=["division_path", "id"], name="cmddirective_path_idx", opclasses=PATH_OPS
            ),
            models.Index(fields=["division", "-issued_at"], name="cmddirective_issuer_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("command:directive", args=[self.pk])


class DirectiveRecipient(models.Model):
    """One recipient of a directive: a division (or one department at it) and where it is
    with the directive, from sent to done, with its progress note and its evidence.
    ``division_path`` is the recipient's path: the recipient sees its own rows, the issuer all
    of them (they lie in its subtree). ``deadline`` is the directive's, copied for the inbox and
    the overdue scan."""

    scope_path_field = "division_path"

    directive = models.ForeignKey(
        Directive, verbose_name=_("directive"), on_delete=models.CASCADE, related_name="recipients"
    )
    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    department = models.CharField(
        _("department"), max_length=20, choices=Department.choices, blank=True
    )
    deadline = models.DateTimeField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=12, choices=RecipientState.choices, default=RecipientState.SENT
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    progress = models.TextField(_("progress"), blank=True)
    progress_at = models.DateTimeField(_("progress reported at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_attachment = models.ForeignKey(
        "command.Attachment",
        verbose_name=_("evidence file"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    passed_on = models.BooleanField(_("passed on"), default=False)
    overdue_escalated_at = models.DateTimeField(_("escalated as overdue at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("directive recipient")
        verbose_name_plural = _("directive recipients")
        ordering = ["division_path", "department", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["directive", "division", "department"], name="cmdrecipient_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["directive", "division_path"],
                name="cmdrecipient_matrix_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["division_path", "deadline"],
                name="cmdrecipient_inbox_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            models.Index(
                fields=["deadline"],
                name="cmdrecipient_overdue_idx",
                condition=models.Q(overdue_escalated_at__isnull=True)
                & ~models.Q(state=RecipientState.DONE),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.directive_id} → {self.division_id}"

    @property
    def is_done(self) -> bool:
        return self.state == RecipientState.DONE


def attachments_dir() -> Path:
    return Path(settings.VAR_DIR) / "attachments"


class Attachment(models.Model):
    """A file attached to a directive (by its issuer) or given as a recipient's evidence: a
    PDF, an Office document or an image, checked by its content and its extension when
    uploaded, kept under ``var/attachments/<id>/`` readable by the service user only.
    ``division_path`` is the directive's (whoever may see the directive may download it)."""

    scope_path_field = "division_path"

    directive = models.ForeignKey(
        Directive,
        verbose_name=_("directive"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    recipient = models.ForeignKey(
        DirectiveRecipient,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("command:attachment", args=[self.pk])

    @property
    def path(self) -> Path:
        return attachments_dir() / str(self.pk) / "file"


class Venue(models.Model):
    """A venue in the registry (markets, schools, cinemas, religious sites, gathering and
    entertainment places) at a grid or a village: what closure orders close."""

    scope_path_field = "division_path"

    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=VenueKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["division_path", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="cmdvenue_unique_name"),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "id"], name="cmdvenue_path_idx", opclasses=PATH_OPS
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VenueClosure(models.Model):
    """One venue under one closure order: ordered closed, confirmed closed by its grid or
    village, checked by the level above the confirmer, reopened by a later order. Seen from
    the venue's side (``division_path``) and the issuer's (``directive_path``)."""

    scope_path_fields = ("division_path", "directive_path")
    scope_path_field = "division_path"

    directive = models.ForeignKey(
        Directive,
        verbose_name=_("closure order"),
        on_delete=models.CASCADE,
        related_name="closures",
    )
    directive_path = models.CharField(_("issuer's path"), max_length=128)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="closures"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    state = models.CharField(
        _("state"), max_length=16, choices=ClosureState.choices, default=ClosureState.ORDERED
    )
    confirmed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # the home level of whoever confirmed (the check is by a level above it)
    confirmed_level = models.PositiveSmallIntegerField(
        _("confirmed at level"), choices=Level.choices, null=True, blank=True
    )
    checked_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_directive = models.ForeignKey(
        Directive,
        verbose_name=_("reopened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reopened",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TwoSidedQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue closure")
        verbose_name_plural = _("venue closures")
        ordering = ["division_path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["directive", "venue"], name="cmdclosure_unique"),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "state"],
                name="cmdclosure_path_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["directive", "state"], name="cmdclosure_directive_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.venue_id} · {self.get_state_display()}"
