import calendar
import hashlib
import hmac

from odoo import api, fields, models
from odoo.tools import SQL

INTAKE_LIMIT = 10  # web requests per client address and window
INTAKE_WINDOW = 600  # seconds


def _seconds_now():
    """Seconds since 1970 (UTC), from Odoo's clock (frozen in tests)."""
    return calendar.timegm(fields.Datetime.now().timetuple())


class SaleIntakeThrottle(models.Model):
    """Requests counted per client address and time window, for the website form's rate limit.

    Kept in PostgreSQL, not in a worker's memory, so that the limit holds across all the server's workers: one
    upsert per request counts it and returns the count. Addresses are stored as keyed hashes, never in clear.
    """

    _name = "sale.intake.throttle"
    _description = "Web Request Counter"
    _log_access = False

    client_key = fields.Char(required=True, readonly=True)
    slot = fields.Integer(required=True, readonly=True, help="Window number: seconds since 1970 / window length.")
    hits = fields.Integer(readonly=True)

    _client_slot_unique = models.Constraint("UNIQUE(client_key, slot)", "One counter per client and window.")

    @api.model
    def _erp_crm_client_key(self, address):
        """A keyed hash of the client's address: counters can be matched, addresses not read back."""
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret") or ""  # sudo: system secret
        return hmac.new(secret.encode(), (address or "").encode(), hashlib.sha256).hexdigest()[:40]

    @api.model
    def _erp_crm_hit(self, address, limit=INTAKE_LIMIT, window=INTAKE_WINDOW):
        """Count one request from ``address`` in the current window; False when it goes beyond ``limit``."""
        slot = _seconds_now() // window
        # One statement, atomic across workers: concurrent requests of one client queue on the counter's row.
        rows = self.env.execute_query(
            SQL(
                """INSERT INTO sale_intake_throttle (client_key, slot, hits) VALUES (%s, %s, 1)
                   ON CONFLICT (client_key, slot) DO UPDATE SET hits = sale_intake_throttle.hits + 1
                   RETURNING hits""",
                self._erp_crm_client_key(address),
                slot,
            )
        )
        return rows[0][0] <= limit

    @api.autovacuum
    def _gc_erp_crm_throttle(self):
        """Drop the counters of past windows."""
        slot = _seconds_now() // INTAKE_WINDOW
        self.env.execute_query(SQL("DELETE FROM sale_intake_throttle WHERE slot < %s", slot - 1))
