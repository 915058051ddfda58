"""Sign-in, sign-out and password change, on Django's own views with our templates."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext as _

from gongzhi.accounts.services import second_factor_required


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        # The hook for a per-role second factor (docs/decisions/0003): until a factor is enrolled,
        # holders of those roles are refused rather than let in on a password alone.
        if second_factor_required(form.get_user()):
            form.add_error(None, _("Your role requires a second factor. Ask the administrator to enrol one."))
            return self.form_invalid(form)
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)

    def get_success_url(self):
        from django.urls import reverse

        return reverse("core:workbench")


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()
password_change = PasswordChangeView.as_view()
