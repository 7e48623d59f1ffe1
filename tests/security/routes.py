"""The app's routes, read from the URL map, with sample arguments for each."""

from dataclasses import dataclass

from werkzeug.routing import Rule

IGNORED_ENDPOINTS = {"static"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Route:
    rule: Rule
    methods: frozenset[str]

    @property
    def arguments(self) -> set[str]:
        return set(self.rule.arguments)

    def url(self, **values) -> str:
        return self.rule.build(values, append_unknown=False)[1]


def all_routes(app) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in IGNORED_ENDPOINTS:
            continue
        methods = frozenset(rule.methods - {"HEAD", "OPTIONS"})
        routes.append(Route(rule, methods))
    return routes
