"""Shared form helpers: run an action and turn its refusal into a form error."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.http import Http404

from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction

T = TypeVar("T")


def run_action(form: forms.Form, call: Callable[[], T]) -> T | None:
    """Call an action; on :class:`ActionError` attach its message to the form and return None.

    A write outside the actor's subtree answers 404, like a record that does not exist.
    """
    try:
        return call()
    except ActionError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        return None
    except OutOfJurisdiction as exc:
        raise Http404 from exc
