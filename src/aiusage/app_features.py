"""The App's feature facades, one lazily imported property each.

Why a mixin: every feature (accounts, budgets, alerts, …) is reached as ``app.<feature>``
and lives in its own ``*_app`` module, imported on first use so a fast path like the
statusline never pays for it. Declaring them here keeps ``app.py`` about reports.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from aiusage.accounts_app import AccountsApi
    from aiusage.advice_app import AdviceApi
    from aiusage.alerts_app import AlertsApi
    from aiusage.app import App
    from aiusage.budgets_app import BudgetsApi
    from aiusage.dashboard_app import DashboardApi
    from aiusage.exports_app import ExportsApi
    from aiusage.insights_app import InsightsApi
    from aiusage.notify_app import NotifyApi
    from aiusage.retention_app import RetentionApi
    from aiusage.service_app import ServiceApi
    from aiusage.team_app import TeamApi
    from aiusage.team_member_app import TeamMemberApi


class Features:
    @property
    def accounts(self) -> AccountsApi:
        """Provider accounts: add/list/test/remove, collect, status."""
        from aiusage.accounts_app import AccountsApi

        return AccountsApi(cast("App", self))

    @property
    def dashboard(self) -> DashboardApi:
        """The web dashboard's and HTTP API's views and actions, as JSON-ready data."""
        from aiusage.dashboard_app import DashboardApi

        return DashboardApi(cast("App", self))

    @property
    def insights(self) -> InsightsApi:
        """Forecasts of end-of-period spend, and spend spikes."""
        from aiusage.insights_app import InsightsApi

        return InsightsApi(cast("App", self))

    @property
    def advice(self) -> AdviceApi:
        """Cheaper models at the user's token mix; past spend at another model's prices."""
        from aiusage.advice_app import AdviceApi

        return AdviceApi(cast("App", self))

    @property
    def budgets(self) -> BudgetsApi:
        """Budgets: declare, list, remove, and where each stands."""
        from aiusage.budgets_app import BudgetsApi

        return BudgetsApi(cast("App", self))

    @property
    def alerts(self) -> AlertsApi:
        """Alerts: evaluate the rules, notify, the alert log, pause."""
        from aiusage.alerts_app import AlertsApi

        return AlertsApi(cast("App", self))

    @property
    def notify(self) -> NotifyApi:
        """Notification channels: list them, send a test, keep their secrets."""
        from aiusage.notify_app import NotifyApi

        return NotifyApi(cast("App", self))

    @property
    def retention(self) -> RetentionApi:
        """How long raw records are kept; pruning older ones (totals stay)."""
        from aiusage.retention_app import RetentionApi

        return RetentionApi(cast("App", self))

    @property
    def service(self) -> ServiceApi:
        """The daemon as a background service: install, uninstall, status."""
        from aiusage.service_app import ServiceApi

        return ServiceApi(cast("App", self))

    @property
    def exports(self) -> ExportsApi:
        """What exporters read: the metrics table, and usage events after a cursor."""
        from aiusage.exports_app import ExportsApi

        return ExportsApi(cast("App", self))

    @property
    def team_member(self) -> TeamMemberApi:
        """This machine in a team: join a team server, push to it, status, leave."""
        from aiusage.team_member_app import TeamMemberApi

        return TeamMemberApi(cast("App", self))

    @cached_property
    def team(self) -> TeamApi:
        """A team server: members, tokens, pushes, the team's views and audit log. Kept
        (unlike the other facades): it holds the server's loaded price table, ~0.35 s to
        load, which every push would otherwise pay."""
        from aiusage.team_app import TeamApi

        return TeamApi(cast("App", self))
