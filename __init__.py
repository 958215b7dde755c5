from . import models, reports, wizard
