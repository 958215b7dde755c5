from . import sale_order_lost
from . import sale_order_dry_run
from . import sale_funnel_robot_copy
from . import sale_funnel_setup
from . import sale_advance_payment_inv
