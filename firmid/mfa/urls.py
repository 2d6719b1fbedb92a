from firmid.mfa.registry import factors

# allauth's pages of My account that set a factor up or remove it, wrapped by each factor so the
# change and its audit row commit together; included before allauth's own URLs.
urlpatterns = [pattern for factor in factors() for pattern in factor.urlpatterns()]
