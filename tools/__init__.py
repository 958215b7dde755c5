from .bounds import ConfigurationOutOfRange, configured_dates
from .digest import deal_digest_body, format_minutes
from .door import BOOKKEEPING_FIELDS, DOOR_FIELDS
from .field_access import restricted_search
from .queue import CONCURRENCY_ERRORS, claim_batch
from .document import format_duration, format_percent
from .escalation import escalate_once, send_digest
