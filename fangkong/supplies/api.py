"""The supplies API: catalogue, stores, stock and the ledger (requests, production and
donations have their own routers: ``request_api``, ``production_api``, ``donation_api``)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["supplies"])
