from . import test_funnel
from . import test_stage_move
from . import test_won_lost
from . import test_security
from . import test_base_automation
from . import test_demo_data
from . import test_performance
from . import test_tour
