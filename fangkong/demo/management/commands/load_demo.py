from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fangkong.demo.scenario import DEMO_PASSWORD, DEMO_USERS, load_demo


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Load the demo data (Jilin's real divisions, grids in 南关区, a demo account for each "
            "role); safe to run again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo()
        if any(result.values()):
            if result["divisions_imported"]:
                loaded = _(
                    "Demo data loaded: Jilin's divisions imported; %(zones)s management zones, "
                    "%(grids)s grids and %(users)s accounts added."
                )
            else:
                loaded = _(
                    "Demo data loaded: Jilin's divisions were there already; %(zones)s "
                    "management zones, %(grids)s grids and %(users)s accounts added."
                )
            self.stdout.write(
                loaded
                % {
                    "zones": result["zones"],
                    "grids": result["grids"],
                    "users": result["users"],
                }
            )
            self.stdout.write(
                _(
                    "Grid work: %(people)s people in %(households)s households, %(key_areas)s "
                    "key areas, %(passages)s passages, %(care)s care requests."
                )
                % {
                    "people": result["people"],
                    "households": result["households"],
                    "key_areas": result["key_areas"],
                    "passages": result["passages"],
                    "care": result["care_requests"],
                }
            )
            self.stdout.write(
                _(
                    "Screening sweep: %(screenings)s screenings, %(observations)s medical "
                    "observations (%(active)s running), %(check_ins)s check-ins."
                )
                % {
                    "screenings": result["screenings"],
                    "observations": result["observations"],
                    "active": result["observations_active"],
                    "check_ins": result["check_ins"],
                }
            )
            self.stdout.write(
                _(
                    "Outbreak: %(cases)s cases, %(close)s close and %(secondary)s secondary "
                    "contacts, %(handovers)s hand-overs to the sibling county, %(clusters)s "
                    "clusters, risk graded over %(days)s days."
                )
                % {
                    "cases": result["outbreak_cases"],
                    "close": result["outbreak_close_contacts"],
                    "secondary": result["outbreak_secondary_contacts"],
                    "handovers": result["outbreak_handovers"],
                    "clusters": result["outbreak_clusters"],
                    "days": result["outbreak_risk_grades"],
                }
            )
            self.stdout.write(
                _(
                    "Treatment: %(facilities)s facilities with %(wards)s wards added, %(admitted)s "
                    "patients admitted, free beds kept for %(days)s past city-days, %(staff)s "
                    "medical staff on a roster."
                )
                % {
                    "facilities": result["treatment_facilities"],
                    "wards": result["treatment_wards"],
                    "admitted": result["treatment_admitted"],
                    "days": result["treatment_days"],
                    "staff": result["treatment_staff"],
                }
            )
            self.stdout.write(
                _(
                    "Supplies: %(items)s items, %(stores)s stores with %(movements)s ledger rows "
                    "over 30 days, %(alerts)s low-supply alert(s), %(requests)s requests, "
                    "%(producers)s producers, %(donations)s donations "
                    "(public page: /public/donations/)."
                )
                % {
                    k: result.get(f"supplies_{k}", 0)
                    for k in (
                        "items",
                        "stores",
                        "movements",
                        "alerts",
                        "requests",
                        "producers",
                        "donations",
                    )
                }
            )
            self.stdout.write(
                _(
                    "Early warning: Jilin's real 2020 epidemic (%(rows)s daily counts, "
                    "%(corrections)s corrections of the source), %(computed)s indicator values "
                    "of the last 30 days, %(alarms_2020)s alarms on 2020 and %(alarms)s in the "
                    "last 30 days (command screen: /warning/screen/wall/)."
                )
                % {
                    "rows": result.get("warning_imported_rows", 0),
                    "corrections": result.get("warning_imported_corrections", 0),
                    "computed": result.get("warning_computed_rows", 0),
                    "alarms_2020": result.get("warning_alarms_2020", 0),
                    "alarms": result.get("warning_alarms", 0),
                }
            )
        else:
            self.stdout.write(_("The demo data is already there; using it as it is."))
        self.stdout.write(
            "\n"
            + _("Demo accounts (all with the password %(password)s):") % {"password": DEMO_PASSWORD}
        )
        for u in DEMO_USERS:
            who = _("%(name)s (%(title)s)") % {"name": u.full_name, "title": u.title}
            self.stdout.write(f"  {u.username:<17} {who}")
