"""What the observation app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.observation.permissions import ObservationPerm

AUDIT_LABELS = {
    "observation.start": _("start medical observation"),
    "observation.check_in": _("record an observation check-in"),
    "observation.check_in_batch": _("upload observation check-ins"),
    "observation.release": _("release from medical observation"),
    "observation.refer": _("refer from observation to a fever clinic"),
    "observation.case": _("end observation as a case"),
    "observation.rotate_link": _("replace the personal check-in link"),
}

MENU = [MenuItem(_("Observation"), "observation:list", ObservationPerm.VIEW_OBSERVATION, weight=40)]
