"""Catalogues as data (DOMAIN.md), kept by programme admins: clusters, compliance points
(publicly reported, worker interviews), root causes and "raised by" sources, with their
wording in each language. Items keep pointing at the same rows, so renaming a row renames
it everywhere; retiring one (not in use) hides it from new choices only."""

from babel import Locale
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...config import LOCALES
from ...domain.policy import can
from ...extensions import db
from ...models import Cluster, CompliancePoint, RaisedBy, RootCause
from .forms import CatalogueEntryForm, translation_field_name

bp = Blueprint("catalogue", __name__, url_prefix="/admin/catalogue")

KINDS = {"clusters": Cluster, "points": CompliancePoint, "root-causes": RootCause, "raised-by": RaisedBy}


def _require_admin():
    if not can(current_user, "catalogue.edit"):
        abort(403)


def _model(kind: str):
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _locales():
    return [(code, Locale.parse(code).get_display_name(code).capitalize()) for code in LOCALES if code != "en"]


@bp.get("")
@login_required
def index():
    _require_admin()
    clusters = list(db.session.scalars(select(Cluster).order_by(Cluster.position)))
    points = list(db.session.scalars(select(CompliancePoint).order_by(CompliancePoint.position)))
    by_cluster: dict[int, list] = {}
    for point in points:
        by_cluster.setdefault(point.cluster_id, []).append(point)
    return render_template(
        "catalogue/index.html", clusters=clusters, points=by_cluster,
        root_causes=list(db.session.scalars(select(RootCause).order_by(RootCause.position))),
        raised_by=list(db.session.scalars(select(RaisedBy).order_by(RaisedBy.position))),
    )


@bp.route("/<kind>/new", methods=["GET", "POST"], defaults={"entry_id": None})
@bp.route("/<kind>/<int:entry_id>", methods=["GET", "POST"])
@login_required
def edit(kind: str, entry_id: int | None):
    _require_admin()
    model = _model(kind)
    entry = db.session.get(model, entry_id) if entry_id else None
    if entry_id and entry is None:
        abort(404)
    form = CatalogueEntryForm(obj=entry)
    if model is CompliancePoint:
        clusters = db.session.scalars(select(Cluster).order_by(Cluster.position))
        form.cluster_id.choices = [(c.id, c.label) for c in clusters]
    else:
        del form.cluster_id
        del form.publicly_reported
        del form.needs_worker_interviews
    if not form.is_submitted() and entry is not None:
        for code, _name in _locales():
            form[translation_field_name(code)].data = (entry.name_translations or {}).get(code, "")
    status = 200
    if form.validate_on_submit():
        if entry is None:
            entry = model(name_translations={}, position=_next_position(model))
            db.session.add(entry)
        entry.name = form.name.data.strip()
        entry.active = form.active.data
        entry.name_translations = {
            code: form[translation_field_name(code)].data.strip()
            for code, _name in _locales() if (form[translation_field_name(code)].data or "").strip()
        }
        if model is CompliancePoint:
            entry.cluster_id = form.cluster_id.data
            entry.publicly_reported = form.publicly_reported.data
            entry.needs_worker_interviews = form.needs_worker_interviews.data
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(_("This name is already in the catalogue."))
            status = 422
        else:
            flash(_("Catalogue saved."), "success")
            return redirect(url_for("catalogue.index"))
    elif form.is_submitted():
        status = 422
    return render_template("catalogue/edit.html", form=form, kind=kind, entry=entry, locales=_locales(),
                           field_name=translation_field_name), status


def _next_position(model) -> int:
    return (db.session.scalar(select(db.func.max(model.position))) or 0) + 1
