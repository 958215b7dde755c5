from . import crm_team, sale_funnel, sale_funnel_stage, sale_funnel_stage_history, sale_lost_reason, sale_order
