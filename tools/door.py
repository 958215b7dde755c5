"""What only the stage-move door and the deal's computations write (one list for the door and the robots)."""

# Figures the deal keeps itself: users never write them (a writable paid share would open the prepaid gate).
BOOKKEEPING_FIELDS = frozenset(
    {
        "date_stage",
        "won_status",
        "sla_deadline",
        "sla_escalated",
        "invoiced_percent",
        "paid_percent",
        "produced_percent",
        "delivered_percent",
        "production_status",
        "production_date_start",
        "production_date_finished",
        "deal_invoiced_amount",
        "deal_paid_amount",
        "deal_due_amount",
    }
)
# Robots write none of the door's fields: a robot moving the deal would leave the stage while its robots still run.
DOOR_FIELDS = BOOKKEEPING_FIELDS | {"stage_id", "funnel_id", "lost_reason_id"}
