"""The permissions of the treatment app, by name (see ``care/permissions.py``)."""

from enum import StrEnum


class TreatmentPerm(StrEnum):
    VIEW_ORDER = "treatment.view_order"
    ADD_ORDER = "treatment.add_order"  # order admissions and transfers, run an allocation
    RECEIVE_ORDER = "treatment.receive_order"  # accept or refuse as the receiving facility
    CHANGE_TRANSPORT = "treatment.change_transport"
    VIEW_STAY = "treatment.view_stay"
    CHANGE_POLICY = "treatment.change_policy"
