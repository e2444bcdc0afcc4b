"""The local web app (`sketchtrain app`): the server and its routes (``server``), who may talk to
it (``guard``), the job queue and its files (``jobs``), and the page (``page/index.html``)."""

from sketchdata._exports import lazy_exports

lazy_exports(globals(), {"create_app": "sketchtrain.app.server", "serve": "sketchtrain.app.server",
                         "missing_extra": "sketchtrain.app.server", "SketchApp": "sketchtrain.app.jobs"})
