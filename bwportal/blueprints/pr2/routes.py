"""PR2, written by the EA: its sections live in domain.report_spec; the shared editor does the rest."""

from ...models import ReportKind
from ..reports.section_editor import section_blueprint

bp = section_blueprint("pr2", ReportKind.PR2, "ip_validation", "summary")
