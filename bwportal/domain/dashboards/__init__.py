"""Dashboards (DASH-1): what each audience sees at a glance, counted by the database.

One module per audience (programme, advisor, buyer, factory) and ``figures`` for what they
share: the filters read from the URL, the periods, and the counted shapes the pages draw.
Every figure is a fixed number of queries whatever the number of factories (GROUP BY in SQL),
scoped through ``domain.tenancy``, and uses the date rules of ``reports.deadlines`` and
``ip.status`` (through their SQL twins), so a change of those rules changes the figures.
"""
