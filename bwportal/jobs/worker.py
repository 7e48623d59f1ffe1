"""The Procfile's worker: rq's Worker with the app and the PDF engine made once, before it forks.

rq runs each job in a work horse forked from the worker. A plain worker's horse made the
app, imported WeasyPrint, loaded the fonts and compiled the templates for every job, then
threw them away: a PR1 of 200 IP items took 4.2-4.9 s that way against 2.5-2.9 s warm
(bench/pdf_render.py). This worker makes them before it waits for jobs, so each horse
starts with them (the pages are shared with the worker until written to). The database
pool is emptied before any fork: no connection is ever shared between processes.
"""

from rq import Worker

from .context import preload


class PreloadedWorker(Worker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        preload()
