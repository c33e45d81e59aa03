from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cchc.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from cchc.accounts.reorganisation import FOLLOWER
        from cchc.orgunits.reorganisation import register_follower

        register_follower(FOLLOWER)
