from . import sale_funnel
from . import sale_funnel_stage
from . import sale_funnel_stage_history
from . import sale_lost_reason
from . import crm_team
from . import sale_order
