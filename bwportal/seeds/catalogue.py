"""The catalogues of DOMAIN.md, as first loaded by the migration that creates their tables.

The names are English gettext messages (N_), so the Babel catalogues translate them.
Treat this module as data: later changes to the catalogues go through the admin pages
or a new migration, not through edits here.
"""


def N_(msgid: str) -> str:
    return msgid


# cluster -> [(compliance point, publicly reported, needs worker interviews)]
CLUSTERS: list[tuple[str, list[tuple[str, bool, bool]]]] = [
    (N_("Child Labour"), [
        (N_("Child Labourers"), True, False),
        (N_("Hazardous Work and other Worst Forms"), True, False),
        (N_("Documentation and Protection of Young Workers"), False, False),
    ]),
    (N_("Discrimination"), [
        (N_("Race and Origin"), True, True),
        (N_("Religion and Political Opinion"), True, True),
        (N_("Gender"), True, True),
        (N_("Other Grounds"), False, True),
    ]),
    (N_("Forced Labour"), [
        (N_("Coercion"), True, True),
        (N_("Bonded Labour"), True, False),
        (N_("Forced Labour and Overtime"), True, False),
        (N_("Prison Labour"), True, False),
    ]),
    (N_("Freedom of Association and Collective Bargaining"), [
        (N_("Union Operations"), False, False),
        (N_("Freedom to Associate"), True, False),
        (N_("Interference and Discrimination"), True, True),
        (N_("Collective Bargaining"), True, False),
        (N_("Strikes"), True, False),
    ]),
    (N_("Compensation"), [
        (N_("Minimum Wages/Piece Rate Wages"), True, False),
        (N_("Overtime Wages"), True, False),
        (N_("Premium Pay"), False, False),
        (N_("Method of Payment"), False, False),
        (N_("Wage Information, Use and Deduction"), True, False),
        (N_("Paid Leave"), True, False),
        (N_("Social Security and Other Benefits"), True, False),
    ]),
    (N_("Contracts and Human Resources"), [
        (N_("Employment Contracts"), True, False),
        (N_("Contracting Procedures"), False, False),
        (N_("Termination"), False, False),
        (N_("Dialogue, Discipline and Disputes"), True, True),
    ]),
    (N_("Occupational Safety and Health"), [
        (N_("OSH Management Systems"), True, False),
        (N_("Chemicals and Hazardous Substances"), True, False),
        (N_("Worker Protection"), True, False),
        (N_("Working Environment"), False, False),
        (N_("Health Services and First Aid"), False, False),
        (N_("Welfare Facilities"), True, False),
        (N_("Worker Accommodation"), False, False),
        (N_("Emergency Preparedness"), True, False),
    ]),
    (N_("Working Time"), [
        (N_("Regular Hours"), False, False),
        (N_("Overtime"), True, False),
        (N_("Leave"), False, False),
    ]),
    (N_("Management Systems"), [
        (N_("HR Management System"), False, False),
        (N_("OSH Management System"), False, False),
        (N_("Grievance Mechanism"), False, False),
    ]),
]

ROOT_CAUSES = [
    N_("Lack of awareness of legal requirements"),
    N_("No policy or procedure (management system gap)"),
    N_("Policy exists but is not implemented"),
    N_("Lack of training or skills"),
    N_("Lack of resources or investment"),
    N_("Production planning and working-time pressure"),
    N_("Weak communication or social dialogue"),
    N_("Buyer Practices"),
    N_("Other"),
    N_("N/A"),
]

RAISED_BY = [
    N_("Self-diagnosis"),
    N_("Management"),
    N_("Union or worker representatives"),
    N_("Enterprise Advisor"),
]
