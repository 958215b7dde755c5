from . import res_partner_ranking_migration
