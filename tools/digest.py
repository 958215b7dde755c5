"""Small text helpers shared by the deal, its activities and the crons (one place for each wording)."""

from markupsafe import Markup


def format_minutes(env, minutes):
    """A duration in whole minutes as people say it: "2 d 3 h", "4 h 10 min", "12 min"."""
    days, rest = divmod(max(int(minutes), 0), 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return env._("%(days)s d %(hours)s h", days=days, hours=hours)
    if hours:
        return env._("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    return env._("%(minutes)s min", minutes=minutes)


def deal_digest_body(lines):
    """HTML list of deals for a digest: ``lines`` are (deal id, deal name, what about it) tuples."""
    items = Markup("").join(
        Markup('<li><a href="/odoo/sale.order/%s">%s</a>: %s</li>') % (deal_id, name, text)
        for deal_id, name, text in lines
    )
    return Markup("<ul>%s</ul>") % items
