from . import sale_order_lost
