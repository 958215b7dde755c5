from . import (
    test_base_automation,
    test_demo_data,
    test_funnel,
    test_performance,
    test_security,
    test_stage_move,
    test_tour,
    test_won_lost,
)
from . import test_robots
from . import test_accountant, test_erp_triggers, test_fulfilment, test_window_story
