"""Catalogues per programme: clusters, root causes and "raised by" belong to a programme

The rows so far shared by everybody go to the programme with the lowest id; every other
programme gets its own copy, and its factories' IP items, findings and IP timeline entries
are pointed at the copies (matched by name). A database without programmes keeps no rows:
each programme gets the standard catalogue when it is created (domain.catalogues).

Downgrade merges the catalogues back into one: rows named like one of the lowest-id
programme's take its place, the others are kept.

Revision ID: fad57f07a50e
Revises: 6e53f5ac36dc
Create Date: 2026-11-22 07:40:32.198253

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fad57f07a50e'
down_revision = '6e53f5ac36dc'
branch_labels = None
depends_on = None

TABLES = ('cluster', 'root_cause', 'raised_by')

programme = sa.table('programme', sa.column('id', sa.Integer))
factory = sa.table('factory', sa.column('id', sa.Integer), sa.column('programme_id', sa.Integer))


def _entry_table(name, *extra):
    return sa.table(name, sa.column('id', sa.Integer), sa.column('programme_id', sa.Integer),
                    sa.column('name', sa.String), sa.column('name_translations', sa.JSON),
                    sa.column('position', sa.Integer), sa.column('active', sa.Boolean), *extra)


cluster = _entry_table('cluster')
root_cause = _entry_table('root_cause')
raised_by = _entry_table('raised_by')
point = sa.table('compliance_point', sa.column('id', sa.Integer), sa.column('cluster_id', sa.Integer),
                 sa.column('name', sa.String), sa.column('name_translations', sa.JSON),
                 sa.column('position', sa.Integer), sa.column('active', sa.Boolean),
                 sa.column('publicly_reported', sa.Boolean), sa.column('needs_worker_interviews', sa.Boolean))
ip_item = sa.table('ip_item', sa.column('factory_id', sa.Integer), sa.column('cluster_id', sa.Integer),
                   sa.column('compliance_point_id', sa.Integer), sa.column('root_cause_id', sa.Integer),
                   sa.column('raised_by_id', sa.Integer))
finding = sa.table('finding', sa.column('factory_id', sa.Integer), sa.column('cluster_id', sa.Integer),
                   sa.column('compliance_point_id', sa.Integer))
# The IP timeline keeps catalogue choices as ids in text (field, old_value, new_value).
ip_event = sa.table('ip_event', sa.column('factory_id', sa.Integer), sa.column('field', sa.String),
                    sa.column('old_value', sa.Text), sa.column('new_value', sa.Text))

ENTRY_COLUMNS = ('name', 'name_translations', 'position', 'active')
POINT_COLUMNS = ('name', 'name_translations', 'position', 'active', 'publicly_reported', 'needs_worker_interviews')
# catalogue table -> the column that refers to it from ip_item, finding and the timeline
REFERENCES = {'cluster': 'cluster_id', 'compliance_point': 'compliance_point_id',
              'root_cause': 'root_cause_id', 'raised_by': 'raised_by_id'}


def _remap(conn, column: str, old: int, new: int, factory_ids=None) -> None:
    """Point every reference to catalogue row ``old`` (of the factories ``factory_ids``,
    or all) at row ``new``."""
    for table in (ip_item, finding):
        if column in table.c:
            stmt = table.update().where(table.c[column] == old)
            if factory_ids is not None:
                stmt = stmt.where(table.c.factory_id.in_(factory_ids))
            conn.execute(stmt.values({column: new}))
    for value in ('old_value', 'new_value'):
        stmt = ip_event.update().where(ip_event.c.field == column, ip_event.c[value] == str(old))
        if factory_ids is not None:
            stmt = stmt.where(ip_event.c.factory_id.in_(factory_ids))
        conn.execute(stmt.values({value: str(new)}))


def _copy_for(conn, programme_id: int, clusters, points, flat: dict) -> None:
    """Copy the catalogue rows (as read before any copy) into ``programme_id`` and point its
    factories' references at the copies."""
    factory_ids = sa.select(factory.c.id).where(factory.c.programme_id == programme_id).scalar_subquery()
    if clusters:
        conn.execute(cluster.insert(), [dict(programme_id=programme_id, **{k: c[k] for k in ENTRY_COLUMNS})
                                        for c in clusters])
    new_clusters = {r.name: r.id for r in conn.execute(
        sa.select(cluster.c.id, cluster.c.name).where(cluster.c.programme_id == programme_id))}
    cluster_names = {c['id']: c['name'] for c in clusters}
    rows = [dict(cluster_id=new_clusters[cluster_names[p['cluster_id']]], **{k: p[k] for k in POINT_COLUMNS})
            for p in points if p['cluster_id'] in cluster_names]
    if rows:
        conn.execute(point.insert(), rows)
    new_points = {(r.cluster_id, r.name): r.id for r in conn.execute(
        sa.select(point.c.id, point.c.cluster_id, point.c.name)
        .where(point.c.cluster_id.in_(list(new_clusters.values()) or [-1])))}
    for c in clusters:
        _remap(conn, 'cluster_id', c['id'], new_clusters[c['name']], factory_ids)
    for p in points:
        if p['cluster_id'] in cluster_names:
            new_cluster = new_clusters[cluster_names[p['cluster_id']]]
            _remap(conn, 'compliance_point_id', p['id'], new_points[(new_cluster, p['name'])], factory_ids)
    for table, entries in flat.items():
        if entries:
            conn.execute(table.insert(), [dict(programme_id=programme_id, **{k: e[k] for k in ENTRY_COLUMNS})
                                          for e in entries])
        copies = {r.name: r.id for r in conn.execute(
            sa.select(table.c.id, table.c.name).where(table.c.programme_id == programme_id))}
        for e in entries:
            _remap(conn, REFERENCES[table.name], e['id'], copies[e['name']], factory_ids)


def _rows(conn, table):
    return [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def _give_catalogues_to_programmes() -> None:
    conn = op.get_bind()
    programmes = list(conn.scalars(sa.select(programme.c.id).order_by(programme.c.id)))
    if not programmes:
        # A fresh database: each programme is given the standard catalogue when created.
        for table in (point, cluster, root_cause, raised_by):
            conn.execute(table.delete())
        return
    first, others = programmes[0], programmes[1:]
    for table in (cluster, root_cause, raised_by):
        conn.execute(table.update().values(programme_id=first))
    clusters, points = _rows(conn, cluster), _rows(conn, point)
    flat = {root_cause: _rows(conn, root_cause), raised_by: _rows(conn, raised_by)}
    for programme_id in others:
        _copy_for(conn, programme_id, clusters, points, flat)


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite rebuilds a table to alter it (batch mode), and cannot drop a table other rows
    refer to while it enforces foreign keys: enforcement is off while the tables are rebuilt
    (outside a transaction, where SQLite allows the switch), then checked and back on."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.get_context().autocommit_block():
        if on:
            broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
            if broken:
                raise RuntimeError(f'rows refer to catalogue rows that are gone: {broken[:5]}')
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _sqlite_foreign_keys(False)
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_name'), type_='unique')

    _give_catalogues_to_programmes()

    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('programme_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_programme_id'), ['programme_id'], unique=False)
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_programme_id'), ['programme_id', 'name'])
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_programme_id_programme'), 'programme',
                                        ['programme_id'], ['id'])
    _sqlite_foreign_keys(True)


# --- downgrade: one catalogue for everybody again ----------------------------------------

def _merge_catalogues() -> None:
    conn = op.get_bind()
    kept_programme = conn.scalar(sa.select(sa.func.min(cluster.c.programme_id)))
    if kept_programme is None:
        kept_programme = conn.scalar(sa.select(sa.func.min(root_cause.c.programme_id)))
    order = (sa.case((cluster.c.programme_id == kept_programme, 0), else_=1), cluster.c.programme_id, cluster.c.id)
    kept_clusters: dict[str, int] = {}
    for c in conn.execute(sa.select(cluster.c.id, cluster.c.name).order_by(*order)).all():
        target = kept_clusters.get(c.name)
        if target is None:
            kept_clusters[c.name] = c.id  # the first of its name stays, for everybody
            continue
        _remap(conn, 'cluster_id', c.id, target)
        kept_points = {r.name: r.id for r in conn.execute(
            sa.select(point.c.id, point.c.name).where(point.c.cluster_id == target))}
        for p in conn.execute(sa.select(point.c.id, point.c.name).where(point.c.cluster_id == c.id)).all():
            if p.name in kept_points:
                _remap(conn, 'compliance_point_id', p.id, kept_points[p.name])
                conn.execute(point.delete().where(point.c.id == p.id))
            else:
                conn.execute(point.update().where(point.c.id == p.id).values(cluster_id=target))
                kept_points[p.name] = p.id
        conn.execute(cluster.delete().where(cluster.c.id == c.id))
    for table in (root_cause, raised_by):
        order = (sa.case((table.c.programme_id == kept_programme, 0), else_=1), table.c.programme_id, table.c.id)
        kept: dict[str, int] = {}
        for e in conn.execute(sa.select(table.c.id, table.c.name).order_by(*order)).all():
            if e.name not in kept:
                kept[e.name] = e.id
                continue
            _remap(conn, REFERENCES[table.name], e.id, kept[e.name])
            conn.execute(table.delete().where(table.c.id == e.id))


def _seed_if_empty() -> None:
    """Before this revision the standard catalogue was always there."""
    from bwportal.seeds.catalogue import CLUSTERS, RAISED_BY, ROOT_CAUSES

    conn = op.get_bind()
    if conn.scalar(sa.select(sa.func.count()).select_from(cluster)) == 0:
        for i, (name, points) in enumerate(CLUSTERS, start=1):
            conn.execute(cluster.insert().values(name=name, name_translations={}, position=i, active=True))
            cluster_id = conn.scalar(sa.select(cluster.c.id).where(cluster.c.name == name))
            conn.execute(point.insert(), [
                dict(cluster_id=cluster_id, name=p, name_translations={}, position=j, active=True,
                     publicly_reported=public, needs_worker_interviews=interviews)
                for j, (p, public, interviews) in enumerate(points, start=1)])
    for table, names in ((root_cause, ROOT_CAUSES), (raised_by, RAISED_BY)):
        if conn.scalar(sa.select(sa.func.count()).select_from(table)) == 0:
            conn.execute(table.insert(), [dict(name=n, name_translations={}, position=i, active=True)
                                          for i, n in enumerate(names, start=1)])


def downgrade():
    _sqlite_foreign_keys(False)
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_programme_id_programme'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_programme_id'), type_='unique')
            batch_op.drop_index(batch_op.f(f'ix_{table}_programme_id'))

    _merge_catalogues()

    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_name'), ['name'])
            batch_op.drop_column('programme_id')
    _seed_if_empty()
    _sqlite_foreign_keys(True)
