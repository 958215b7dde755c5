from .digest import deal_digest_body, format_minutes
