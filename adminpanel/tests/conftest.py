import pytest

from adminpanel.models import AdminUser


@pytest.fixture
def admin_client(client, make_user):
    """A test client signed in as a hospital administrator (an AdminUser, not a superuser)."""
    user = make_user(username="manager")
    AdminUser.objects.create(user=user)
    client.force_login(user)
    return client
