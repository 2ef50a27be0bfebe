from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.bulk.readers import MAX_MB


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("An .xlsx or .csv file with the template's columns, at most %(max)s MB.")
        % {"max": MAX_MB},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    valid_only = forms.BooleanField(
        label=_("Import the valid rows only"),
        required=False,
        help_text=_(
            "Otherwise nothing is imported when any row has an error. Rejected rows are "
            "offered as a file to fix and import again."
        ),
    )
