"""The permissions of the supplies app, by name (see ``care/permissions.py``): role checks,
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings."""

from enum import StrEnum


class SuppliesPerm(StrEnum):
    # the catalogue of items, stores, stock on hand and the ledger of the user's area
    VIEW_STOCK = "supplies.view_stock"
    # add items to the catalogue, open and change stores
    MANAGE_CATALOGUE = "supplies.change_item"
    MANAGE_STORE = "supplies.change_store"
    # book movements: receipts, issues, adjustments, consumption; stock counts (盘点)
    BOOK_MOVEMENT = "supplies.add_movement"
    COUNT_STOCK = "supplies.add_stockcount"
    # request supplies for a store of the user's area; confirm what arrived
    REQUEST = "supplies.add_supplyrequest"
    # approve, refuse, allocate and ship the requests addressed to the user's division
    APPROVE_REQUEST = "supplies.change_supplyrequest"
    # producers, dispatch orders and their daily output (生产调度)
    VIEW_PRODUCTION = "supplies.view_producer"
    MANAGE_PRODUCTION = "supplies.change_producer"
    REPORT_OUTPUT = "supplies.add_outputreport"
    # donations received (捐赠) and where they went
    MANAGE_DONATION = "supplies.add_donation"
