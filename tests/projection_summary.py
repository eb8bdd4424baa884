"""A seeded synthetic area-year summary for the projection tests (no bundled data needed).

`make_summary` builds a district x zone x year summary with a jump in the poor stock at 2022
(the new standard); the test modules of :mod:`analysis.projection` import it from here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DISTRICTS = {"688": 1.0, "691": 2.5, "693": 1.8, "696": 0.6}


def make_summary(seed: int = 7, districts=DISTRICTS, years=range(2016, 2025)) -> pd.DataFrame:
    """Seeded synthetic summary: binomial flows with fixed rates, stocks x 2.2 at 2022."""
    rng = np.random.default_rng(seed)
    years = list(years)
    rows = []
    for code, scale in districts.items():
        for zone, share in (("rural", 0.7), ("urban", 0.3)):
            total = int(8000 * share * (1 + 0.3 * scale))
            poor, near = int(total * 0.05 * scale), int(total * 0.04 * scale)
            em_total, em_poor = int(total * 0.25), int(total * 0.025 * scale)
            cov = 90.0
            for y in years:
                first = y == years[0]
                if y == 2022:
                    poor, near, em_poor = int(poor * 2.2), int(near * 1.8), int(em_poor * 2.2)
                esc = rng.binomial(poor, 0.30)
                rep = rng.binomial(total - poor, 0.002)
                new = rng.binomial(total - poor, 0.004)
                end = poor - esc + rep + new
                em_esc = rng.binomial(em_poor, 0.28)
                em_new = rng.binomial(em_total - em_poor, 0.004)
                em_end = em_poor - em_esc + em_new
                n_esc = rng.binomial(near, 0.25)
                n_new = rng.binomial(total - poor - near, 0.003)
                near_end = near - n_esc + n_new
                people = 4 * (end + near_end)
                cov = min(cov + 1.0, 99.5)

                def flow(v, first=first):
                    return np.nan if first else v

                rows.append(
                    {
                        "year": y,
                        "area_code": code,
                        "area_level": "district",
                        "zone": zone,
                        "total_households": total,
                        "poor_start": poor,
                        "poor_escaped": flow(esc),
                        "poor_repoverty": flow(rep),
                        "poor_new": flow(new),
                        "poor_other": flow(0),
                        "poor_end": end,
                        "near_poor_start": near,
                        "near_poor_escaped": flow(n_esc),
                        "near_poor_new": flow(n_new),
                        "near_poor_other": flow(0),
                        "near_poor_end": near_end,
                        "em_total_households": em_total,
                        "em_poor_start": em_poor,
                        "em_poor_escaped": flow(em_esc),
                        "em_poor_repoverty": flow(0),
                        "em_poor_new": flow(em_new),
                        "em_poor_other": flow(0),
                        "em_poor_end": em_end,
                        "people_poor_near": people,
                        "people_health_insured": int(people * cov / 100),
                        "households_credit_need": 100,
                        "households_credit_received": 80 + (y - 2016) * 2,
                        "people_training_need": 50,
                        "people_training_received": 40,
                        "especially_difficult_communes": (
                            max(0, 3 - (y - 2016) // 3) if code == "691" and zone == "rural" else 0
                        ),
                        "synthetic": True,
                    }
                )
                poor, near, em_poor = end, near_end, em_end
                total, em_total = int(total * 1.01), int(em_total * 1.01)
    return pd.DataFrame(rows)
