from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes lockout for sign-ins that come with a request (every login form and API).

    authenticate() without a request (Django's test client login, the shell, management commands)
    cannot come from a browser, so there is no address to throttle; axes would raise instead.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
