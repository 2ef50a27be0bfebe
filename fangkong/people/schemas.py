"""The API's answers about a person, defined once for every module's endpoints.

``PersonOut`` is the person registry's own answer (``/api/people``), masked unless revealed.
``PersonSummaryOut`` is the person as a record of another module shows them (a screening, an
observation): who it is about, always masked, without the person's current address, phone or
grid, which belong to the registry and may lie in another jurisdiction once the person moved.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from fangkong.people.choices import DocType, PersonStatus, Sex


class PersonOut(Schema):
    id: int
    name: str
    doc_type: DocType
    doc_number: str = Field(..., description="masked (220102********1234) unless `masked` is false")
    sex: Sex
    birth_date: dt.date | None
    phone: str = Field(..., description="masked (138****5678) unless `masked` is false")
    address: str
    grid_code: str
    grid_name: str
    household_id: int | None
    status: PersonStatus
    status_since: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    masked: bool
    moved_out_at: dt.datetime | None = Field(
        None, description="when they registered in another jurisdiction (this record stays)"
    )
    moved_to: str | None = Field(
        None, description="where they went, as far as this jurisdiction may know (吉林市)"
    )


class PersonSummaryOut(Schema):
    id: int
    name: str
    doc_type: str
    doc_number: str = Field(..., alias="masked_doc_number", description="masked")
    sex: str
    birth_date: dt.date | None
    status: str
