"""One blueprint per area; each folder holds routes.py and, where it has forms, forms.py."""

from importlib import import_module

AREAS = (
    "auth", "main", "enterprise", "health",
    "ip", "assessments", "visits", "catalogue",
    # Progress reports, and one small blueprint per PR1 area plus PR2 over the shared editor.
    "reports", "overview", "social_dialogue", "systems", "learning", "feedback", "pr2",
    # Annexes and publicity.
    "training", "committee", "public_issues", "transparency", "buyers", "subscriptions",
    # Running a programme.
    "admin", "people",
    # Evidence sent in chunks, resumable over a failing link (issue 19).
    "uploads",
    # Documents (PDF) rendered by a worker.
    "documents",
    # What the portal has told each user.
    "notices",
    # Dashboards of programme managers, advisors and factories (the buyers' is in "buyers").
    "dashboards",
)


def register_blueprints(app) -> None:
    for area in AREAS:
        app.register_blueprint(import_module(f"{__name__}.{area}.routes").bp)
