"""The Safety Valve outlook: the deficit path to the end of the agreement with intervals
(:mod:`~sendlib.outlook.deficit`), scenarios (:mod:`~sendlib.outlook.scenarios`), "what would it take"
(:mod:`~sendlib.outlook.solve`) and the headline keys and sentences (:mod:`~sendlib.outlook.headline`).
"""

from sendlib.outlook.deficit import DeficitOutlook, Saving, deficit_outlook, prepare, reprofiled_path
from sendlib.outlook.headline import HEADLINE_DERIVED, HEADLINE_UNITS, headline_section, headline_sentence
from sendlib.outlook.scenarios import DEFAULT_SCENARIOS, NamedScenario, compare_scenarios, load_scenarios
from sendlib.outlook.solve import LEVERS, what_would_it_take, what_would_it_take_table

__all__ = [
    "DEFAULT_SCENARIOS",
    "HEADLINE_DERIVED",
    "HEADLINE_UNITS",
    "LEVERS",
    "DeficitOutlook",
    "NamedScenario",
    "Saving",
    "compare_scenarios",
    "deficit_outlook",
    "headline_section",
    "headline_sentence",
    "load_scenarios",
    "prepare",
    "reprofiled_path",
    "what_would_it_take",
    "what_would_it_take_table",
]
