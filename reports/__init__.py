from . import sale_deal_report
from . import sale_funnel_report
from . import sale_forecast_report
from . import sale_kpi_report
from . import res_partner_ranking_migration
from . import sale_source_report
from . import res_partner_ranking_sheet
from . import project_service_report
