from psycopg2.errors import DeadlockDetected, LockNotAvailable, SerializationFailure

from odoo.tools import SQL

CLAIM_ATTEMPTS = 3
# A conflict with another transaction: the whole request (or cron batch) is rolled back and retried by Odoo, never
# caught as the failure of a piece of work (a robot) that would then go on in an aborted transaction.
CONCURRENCY_ERRORS = (SerializationFailure, DeadlockDetected, LockNotAvailable)


def claim_batch(model, domain, limit, order=None, share=()):
    """Take up to ``limit`` records of ``domain`` off a work queue: locked until this transaction commits, rows that
    another transaction holds skipped (``FOR NO KEY UPDATE SKIP LOCKED``), in one statement.

    Odoo's cron lock already keeps two runs of one cron apart (a scheduled run, a triggered one and *Run Manually*
    all lock the cron's row); this keeps apart whatever else takes the same work at the same moment (a second
    worker or cron on the queue, a user's transaction changing a record the cron is about to handle): each takes
    records the others do not hold, nobody waits, no batch fails on a serialization conflict and nothing is done
    twice. ``share`` names many2one fields whose target rows are locked too (``FOR SHARE SKIP LOCKED``): a record
    whose target another transaction is changing (a deal leaving the stage of a delayed robot) waits for the next
    run, and a change of the target waits for this batch to commit.

    Call it at a batch boundary, as the crons do (their batches committed by ``_commit_progress``): when another
    worker committed rows of the queue after this transaction began, the transaction is rolled back and the queue
    read again.
    """
    query = model._search(domain, order=order, limit=limit)
    if query.is_empty():
        return model.browse()
    table = model._table
    locks = [SQL("FOR NO KEY UPDATE OF %s SKIP LOCKED", SQL.identifier(table))]
    for fname in share:
        field = model._fields[fname]
        alias = query.join(table, fname, model.env[field.comodel_name]._table, "id", fname)
        locks.append(SQL("FOR SHARE OF %s SKIP LOCKED", SQL.identifier(alias)))
    statement = SQL("%s %s", query.select(), SQL(" ").join(locks))
    cr = model.env.cr
    for attempt in range(CLAIM_ATTEMPTS):
        try:
            rows = model.env.execute_query(statement)
            return model.browse(id_ for [id_] in rows)
        except SerializationFailure:
            # SKIP LOCKED skips rows locked now; a row another worker changed and committed after this transaction's
            # snapshot cannot be locked under repeatable read. Crons claim at a batch boundary, their earlier
            # batches committed (``_commit_progress``): roll back the failed statement and read the queue again on a
            # fresh snapshot (no savepoint: it would cost two queries on every claim).
            if attempt == CLAIM_ATTEMPTS - 1:
                raise
            cr.rollback()
    return model.browse()
