"""Issue 20.4: the Sales settings page saves erp_crm's company settings as one save, checked once."""

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import ErpCrmCommon


@tagged("erp_crm")
class TestSalesSettingsSave(ErpCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_admin = new_test_user(
            cls.env,
            login="erp_crm_sales_admin",
            groups="base.group_system,erp_crm.erp_crm_group_manager",
            name="Sabine Sales Admin",
        )
        cls.company = cls.env.company
        cls.company.write(
            {
                "erp_crm_ranking_threshold_a": 66,
                "erp_crm_ranking_threshold_b": 90,
                "erp_crm_reengage_active": False,
                "erp_crm_reengage_funnel_id": False,
            }
        )

    def _save(self, **values):
        """Save the Sales settings page as the sales admin does: the page's record, then Save (``execute``)."""
        settings = self.env["res.config.settings"].with_user(self.sales_admin).create(values)
        settings.execute()
        return settings

    def test_switching_re_engagement_on_with_its_funnel(self):
        self._save(erp_crm_reengage_active=True, erp_crm_reengage_funnel_id=self.funnel.id, erp_crm_reengage_days=90)
        self.assertTrue(self.company.erp_crm_reengage_active)
        self.assertEqual(self.company.erp_crm_reengage_funnel_id, self.funnel)
        self.assertEqual(self.company.erp_crm_reengage_days, 90)

    def test_raising_both_thresholds_together(self):
        self._save(erp_crm_ranking_threshold_a=92, erp_crm_ranking_threshold_b=97)
        self.assertEqual((self.company.erp_crm_ranking_threshold_a, self.company.erp_crm_ranking_threshold_b), (92, 97))
        self._save(erp_crm_ranking_threshold_a=50, erp_crm_ranking_threshold_b=60)
        self.assertEqual((self.company.erp_crm_ranking_threshold_a, self.company.erp_crm_ranking_threshold_b), (50, 60))

    def test_an_invalid_save_is_refused_with_the_new_values(self):
        with (
            self.assertRaisesRegex(ValidationError, r"Class B Threshold \(%\) \(85.0\) must be above .* \(92.0\)"),
            self.env.cr.savepoint(),
        ):
            self._save(erp_crm_ranking_threshold_a=92, erp_crm_ranking_threshold_b=85)
        with self.assertRaisesRegex(ValidationError, "Re-engagement Funnel is required"), self.env.cr.savepoint():
            self._save(erp_crm_reengage_active=True)
        self.assertEqual((self.company.erp_crm_ranking_threshold_a, self.company.erp_crm_ranking_threshold_b), (66, 90))
        self.assertFalse(self.company.erp_crm_reengage_active)

    def test_an_unchanged_page_saves_and_other_settings_still_save(self):
        self._save(erp_crm_ranking_months=self.company.erp_crm_ranking_months, erp_crm_ranking_threshold_a=66)
        self._save(erp_crm_ranking_months=6)
        self.assertEqual(self.company.erp_crm_ranking_months, 6)
