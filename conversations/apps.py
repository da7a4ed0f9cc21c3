from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save, pre_delete

        from conversations.services import targets
        from routing import dependents
        from routing.models import AgentProfile, Specialty, Team

        # a deleted team, specialty or agent leaves the default target behind, not a target of nothing
        pre_delete.connect(targets.on_team_deleted, sender=Team, dispatch_uid="targets.team")
        pre_delete.connect(targets.on_specialty_deleted, sender=Specialty, dispatch_uid="targets.specialty")
        pre_delete.connect(targets.on_user_deleted, sender=get_user_model(), dispatch_uid="targets.user")
        post_save.connect(targets.on_user_saved, sender=get_user_model(), dispatch_uid="targets.user_saved")
        post_delete.connect(targets.on_agent_profile_deleted, sender=AgentProfile, dispatch_uid="targets.profile")
        # what the admin's "Are you sure?" page says will move
        dependents.register(targets.waiting_handoffs)
        dependents.register(targets.held_conversations)
