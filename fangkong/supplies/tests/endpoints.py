"""The jurisdiction-matrix entries of the supplies app, from one module per part."""

from fangkong.supplies.tests import (
    endpoints_donations,
    endpoints_ledger,
    endpoints_production,
    endpoints_requests,
)

CASES = [
    *endpoints_ledger.CASES,
    *endpoints_requests.CASES,
    *endpoints_production.CASES,
    *endpoints_donations.CASES,
]
