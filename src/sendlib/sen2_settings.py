"""The SEN2 placement settings (DfE's caseload placement columns), each with its sector and group.

Kept apart from :mod:`sendlib.schema` for length only: use them through ``schema.SETTINGS``,
``schema.SETTING_GROUP`` and friends, which :mod:`sendlib.schema` builds from :data:`_SETTINGS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Setting:
    """A SEN2 placement type: DfE's column name, label, sector and group."""

    code: str
    label: str
    sector: str  # maintained, academy, independent, non_maintained, fe, other
    group: str  # mainstream, special, ap, fe, elsewhere, early_years, unknown
    synonyms: tuple[str, ...] = field(default=())


SECTORS: tuple[str, ...] = ("maintained", "academy", "independent", "non_maintained", "fe", "other")
GROUPS: tuple[str, ...] = ("mainstream", "special", "ap", "fe", "elsewhere", "early_years", "unknown")

_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "mainstream_la_maintained",
        "Mainstream LA maintained schools",
        "maintained",
        "mainstream",
        ("mainstream maintained", "mainstream school", "maintained mainstream", "mainstream la"),
    ),
    Setting(
        "mainstream_la_maintained_resourced_provision",
        "Mainstream LA maintained schools - resourced provision",
        "maintained",
        "mainstream",
        ("resourced provision maintained", "maintained resourced provision"),
    ),
    Setting(
        "mainstream_la_maintained_senunit",
        "Mainstream LA maintained schools - SEN units",
        "maintained",
        "mainstream",
        ("maintained sen unit",),
    ),
    Setting(
        "mainstream_academy",
        "Mainstream academies",
        "academy",
        "mainstream",
        ("mainstream academy", "academy mainstream", "academy"),
    ),
    Setting(
        "mainstream_academy_resourced_provision",
        "Mainstream academies - resourced provision",
        "academy",
        "mainstream",
        ("academy resourced provision",),
    ),
    Setting(
        "mainstream_academy_senunit",
        "Mainstream academies - SEN units",
        "academy",
        "mainstream",
        ("academy sen unit",),
    ),
    Setting("mainstream_free_school", "Mainstream free schools", "academy", "mainstream", ("free school",)),
    Setting(
        "mainstream_free_school_resourced_provision",
        "Mainstream free schools - resourced provision",
        "academy",
        "mainstream",
    ),
    Setting("mainstream_free_school_senunit", "Mainstream free schools - SEN units", "academy", "mainstream"),
    Setting(
        "mainstream_independent",
        "Mainstream independent schools",
        "independent",
        "mainstream",
        ("independent mainstream", "independent mainstream school"),
    ),
    Setting(
        "special_la_maintained",
        "LA maintained special schools",
        "maintained",
        "special",
        ("maintained special", "maintained special school", "la special", "la special school"),
    ),
    Setting(
        "special_academy_free",
        "Special academies and free schools",
        "academy",
        "special",
        ("special academy", "special free school", "academy special"),
    ),
    Setting(
        "special_independent",
        "Independent special schools",
        "independent",
        "special",
        ("independent special", "independent special school", "iss"),
    ),
    Setting(
        "special_non_maintained",
        "Non maintained special schools",
        "non_maintained",
        "special",
        ("non maintained special", "non maintained special school", "nmss"),
    ),
    Setting("ap_pru_academy", "Alternative provision academies", "academy", "ap", ("ap academy",)),
    Setting("ap_pru_free_school", "Alternative provision free schools", "academy", "ap", ("ap free school",)),
    Setting(
        "ap_pru_la_maintained",
        "Pupil referral units",
        "maintained",
        "ap",
        ("pru", "pupil referral unit", "alternative provision"),
    ),
    Setting(
        "general_fe_tertiary_colleges",
        "FE colleges and sixth forms",
        "fe",
        "fe",
        ("fe college", "further education", "further education college", "sixth form college", "college"),
    ),
    Setting(
        "specialist_post_16_institutions",
        "Specialist post 16 establishments",
        "independent",
        "fe",
        ("specialist post 16", "ispi", "independent specialist provider", "specialist college"),
    ),
    Setting("ukrlp_provider", "UKRLP providers", "fe", "fe", ("training provider", "apprenticeship")),
    Setting(
        "elective_home_education",
        "Elective home education",
        "other",
        "elsewhere",
        ("ehe", "home educated", "home education"),
    ),
    Setting(
        "other_arrangements_la",
        "Other arrangements made by LA",
        "other",
        "elsewhere",
        ("education otherwise than at school", "eotas", "other la arrangement"),
    ),
    Setting(
        "other_arrangements_parents",
        "Other arrangements made by parents",
        "other",
        "elsewhere",
        ("parental arrangement",),
    ),
    Setting("online_provider", "Online providers", "other", "elsewhere"),
    Setting("w_settings", "Welsh schools and establishments", "other", "elsewhere", ("welsh school",)),
    Setting("other_schools", "Other school types", "other", "elsewhere"),
    Setting("other_placement_settings", "Other types of placement", "other", "elsewhere"),
    Setting(
        "neet",
        "Not in employment, education or training",
        "other",
        "elsewhere",
        ("not in education employment or training",),
    ),
    Setting("neet_ntci", "Not in education or training - notice to cease issued", "other", "elsewhere"),
    Setting("neet_other", "Not in education or training - other age groups", "other", "elsewhere"),
    Setting("neet_other_csa", "Not in education or training - compulsory school age", "other", "elsewhere"),
    Setting(
        "nm_early_years",
        "Non maintained early years",
        "other",
        "early_years",
        ("early years", "nursery", "pre school", "private nursery"),
    ),
    Setting(
        "placement_unknown",
        "Placement not recorded",
        "other",
        "unknown",
        ("unknown", "not recorded", "awaiting placement"),
    ),
)
