from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete, pre_save

        from flows.services import targets
        from routing import dependents
        from routing.models import Specialty, Team

        # a Handoff node follows its target: renamed, it names the new name; deleted, the default target
        user = get_user_model()
        pre_save.connect(targets.on_team_saved, sender=Team, dispatch_uid="flows.targets.team_saved")
        pre_save.connect(targets.on_specialty_saved, sender=Specialty, dispatch_uid="flows.targets.specialty_saved")
        pre_save.connect(targets.on_user_saved, sender=user, dispatch_uid="flows.targets.user_saved")
        pre_delete.connect(targets.on_team_deleted, sender=Team, dispatch_uid="flows.targets.team")
        pre_delete.connect(targets.on_specialty_deleted, sender=Specialty, dispatch_uid="flows.targets.specialty")
        pre_delete.connect(targets.on_user_deleted, sender=user, dispatch_uid="flows.targets.user")
        dependents.register(targets.flows_handing_off)  # what the admin's "Are you sure?" page says will move
