"""The REST API under /api/: OpenAPI 3 at /api/openapi.json, interactive docs at /api/docs."""

from __future__ import annotations

from fangkong.accounts.api import router as accounts_router
from fangkong.bulk.api import router as imports_router
from fangkong.bulk.export_api import router as exports_router
from fangkong.care.api import router as care_router
from fangkong.cases.api import router as cases_router
from fangkong.cases.clinic_api import router as clinic_router
from fangkong.checkpoints.api import router as checkpoints_router
from fangkong.command.api import router as command_router
from fangkong.core.api import (
    ActiveSessionAuth,
    FangkongAPI,
    TokenAuth,
    docs_access,
    install_error_handlers,
)
from fangkong.investigation.api import router as investigation_router
from fangkong.medical.api import router as medical_router
from fangkong.medical_staff.api import router as medical_staff_router
from fangkong.notifications.api import router as notifications_router
from fangkong.observation.api import router as observation_router
from fangkong.outbreaks.api import router as outbreaks_router
from fangkong.people.api import router as people_router
from fangkong.regions.api import router as regions_router
from fangkong.reports.api import router as reports_router
from fangkong.screening.api import router as screening_router
from fangkong.supplies import donation_api, production_api, request_api
from fangkong.supplies.api import router as supplies_router
from fangkong.tracing.api import router as tracing_router
from fangkong.treatment.api import router as treatment_router
from fangkong.warning import import_api, screen_api
from fangkong.warning.api import router as warning_router
from fangkong.zeroreport.api import router as zeroreport_router

api = FangkongAPI(
    title="Fangkong 防控指挥平台 API",
    version="1",
    description=(
        "Authenticate with the browser session, or with `Authorization: Bearer <token>` "
        "using a token an administrator created. Every answer is limited to the caller's "
        "jurisdiction; a record outside it answers 404 like one that does not exist. Errors "
        'are JSON `{"code": ..., "message": ...}`.'
    ),
    auth=[TokenAuth(), ActiveSessionAuth()],
    urls_namespace="api",
    # behind the login in production (settings.FANGKONG_PUBLIC_API_DOCS)
    docs_decorator=docs_access,
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/", regions_router)
api.add_router("/", people_router)
api.add_router("/", care_router)
api.add_router("/", checkpoints_router)
api.add_router("/", screening_router)
api.add_router("/", observation_router)
api.add_router("/", zeroreport_router)
api.add_router("/", medical_router)
api.add_router("/", medical_staff_router)
api.add_router("/", clinic_router)
api.add_router("/", cases_router)
api.add_router("/", treatment_router)
api.add_router("/", investigation_router)
api.add_router("/", tracing_router)
api.add_router("/", outbreaks_router)
api.add_router("/", command_router)
api.add_router("/", reports_router)
api.add_router("/", notifications_router)
api.add_router("/", supplies_router)
api.add_router("/", request_api.router)
api.add_router("/", production_api.router)
api.add_router("/", donation_api.router)
api.add_router("/", exports_router)
api.add_router("/", imports_router)
api.add_router("/", warning_router)
api.add_router("/", screen_api.router)
api.add_router("/", import_api.router)
