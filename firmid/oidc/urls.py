"""The provider's URLs: DOT's, with firmid's subclasses of its views in their place."""

from django.urls import path
from oauth2_provider import views as dot_views

from firmid.oidc import logout_views, resource_views, token_views, views

app_name = "oauth2_provider"

urlpatterns = [
    path("oauth/authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("oauth/token/", token_views.TokenView.as_view(), name="token"),
    path("oauth/revoke/", token_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("oauth/introspect/", views.IntrospectTokenView.as_view(), name="introspect"),
    path("oauth/userinfo/", resource_views.UserInfoView.as_view(), name="user-info"),
    path("oauth/logout/", logout_views.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
    path(".well-known/openid-configuration", views.DiscoveryView.as_view(), name="oidc-connect-discovery-info"),
    path(".well-known/jwks.json", dot_views.JwksInfoView.as_view(), name="jwks-info"),
]
