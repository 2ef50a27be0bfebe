"""(being written)"""

from django.http import Http404, HttpRequest, HttpResponse


def overview(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


def items(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


def item_edit(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


def stores(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


def store(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


def store_edit(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


def store_book(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


def store_consumption(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


def store_count(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


def ledger(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


def reconciliations(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404
