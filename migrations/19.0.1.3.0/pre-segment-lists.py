"""19.0.1.3.0: a mailing list is synchronised by one segment only (unique index on ``mailing_list_id``).

Before this release two segments could name the same list, each emptying what the other filled. The index cannot be
made on such a database, so the upgrade would stop: the oldest segment keeps the list, the others let it go (their
next synchronisation makes each a list of its own, named after the segment) and the log says which.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def release_shared_mailing_lists(cr):
    """Keep each mailing list on its oldest segment; return ``(segment id, list id)`` of the segments let go."""
    cr.execute(
        SQL(
            """WITH shared AS (
                   SELECT id, mailing_list_id
                     FROM (SELECT id, mailing_list_id,
                                  row_number() OVER (PARTITION BY mailing_list_id ORDER BY id) AS age
                             FROM res_partner_segment
                            WHERE mailing_list_id IS NOT NULL) segments
                    WHERE age > 1)
               UPDATE res_partner_segment segment
                  SET mailing_list_id = NULL
                 FROM shared
                WHERE segment.id = shared.id
            RETURNING segment.id, shared.mailing_list_id"""
        )
    )
    return cr.fetchall()


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL("SELECT to_regclass('res_partner_segment') IS NOT NULL"))
    if not cr.fetchone()[0]:
        return
    for segment_id, list_id in release_shared_mailing_lists(cr):
        _logger.warning(
            "Segment %s shared mailing list %s with an older segment: it lets the list go and gets a list of its "
            "own at its next synchronisation.",
            segment_id,
            list_id,
        )
