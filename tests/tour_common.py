from odoo.tests import HttpCase


class TourCase(HttpCase):
    """A test class that runs tours in Chromium: Odoo's asset bundles are built once, before any page opens.

    Otherwise the first page builds them inside a request, in the test transaction every request of the browser
    shares: on a busy machine the browser's other requests wait past the test cursor's lock timeout ("Unable to
    acquire lock for test cursor") and the tour fails on a blank page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name in ("web.assets_web", "web.assets_frontend"):
            bundle = cls.env["ir.qweb"]._get_asset_bundle(name)
            bundle.js()
            bundle.css()
