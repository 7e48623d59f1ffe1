"""Pages of a list a user can grow (issue 18): a fixed number of rows per page, whatever the
list's size, with plain previous/next links that keep the list's filters
(templates/admin/_pagination.html)."""

from dataclasses import dataclass

from flask import request
from sqlalchemy import Select, func, select

from ..extensions import db
from ..forms.fields import db_int

# Rows per page of the long lists (IP items, the EA's queues).
PER_PAGE = 50


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return min(self.page - 1, self.pages)  # from beyond the end, back to the last page

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate(query: Select, per_page: int = PER_PAGE, param: str = "page") -> Page:
    """One page of ``query`` (an ORM SELECT of one entity, ordered to the last column, e.g. the
    id) from ``?page=`` (``param``: two lists on one page). Beyond the end is an empty page; a
    page number that is not one is the first, never an error."""
    number = request.args.get(param, 1, type=db_int)
    number = number if number >= 1 else 1
    items = list(db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)).unique())
    # Counted by the key alone: the list's columns (and eager joins) are not read to count it.
    key = query.column_descriptions[0]["entity"].__mapper__.primary_key
    total = db.session.scalar(select(func.count()).select_from(
        query.order_by(None).with_only_columns(*key).subquery()))
    return Page(items, number, per_page, total)
