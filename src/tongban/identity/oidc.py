from oauth2_provider.oauth2_validators import OAuth2Validator


class TongbanOIDCValidator(OAuth2Validator):
    pass
