"""PR1 section: its questions live in domain.report_spec; the shared editor does the rest."""

from ...models import ReportKind
from ..reports.section_editor import section_blueprint

bp = section_blueprint("social_dialogue", ReportKind.PR1, "social_dialogue")
