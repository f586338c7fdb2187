"""The web portal's sign-in (gateway routes under /api/v1/auth): what they take and answer."""
from marshmallow import fields

from contracts.base import ROLES, ActorSchema, ContractSchema, one_of, pattern_text, text

# a path of this site (never another origin: no "//", no backslash, no spaces or control characters)
LOCAL_PATH_PATTERN = r"^/(?![/\\])[!-\[\]-~]{0,511}$"


class AuthOptionsSchema(ContractSchema):
    environment = one_of(("development", "production"), required=True)
    demo = fields.Boolean(required=True, metadata={"description": "La página de usuarios de demostración existe "
                                                                  "(solo en desarrollo)"})
    oidc = fields.Boolean(required=True, metadata={"description": "Se entra con OpenID Connect"})


class DemoUserSchema(ContractSchema):
    sub = fields.String(required=True)
    role = one_of(ROLES, required=True)
    name = fields.String(required=True)
    bar_number = fields.String()
    court_id = fields.String()
    id_number = fields.String()


class DemoUserListSchema(ContractSchema):
    items = fields.List(fields.Nested(DemoUserSchema), required=True)


class SessionViewSchema(ContractSchema):
    actor = fields.Nested(ActorSchema, required=True)
    source = one_of(("demo", "oidc", "bearer"), required=True,
                    metadata={"description": "Cómo entró: usuario de demostración, OpenID Connect o token Bearer"})
    csrf_token = fields.String(allow_none=True, required=True,
                               metadata={"description": "Va en X-CSRF-Token en cada escritura hecha con la cookie "
                                                        "(null con un token Bearer)"})
    expires_at = fields.String(allow_none=True, required=True)


class LogoutSchema(ContractSchema):
    revoked = fields.Boolean(required=True, metadata={"description": "Se cerró una sesión del portal (un token "
                                                                     "Bearer no se revoca)"})
    logout_url = fields.String(allow_none=True, required=True,
                               metadata={"description": "Dónde cerrar también la sesión del proveedor de identidad"})


class OidcLoginQuerySchema(ContractSchema):
    next = pattern_text(LOCAL_PATH_PATTERN, "Debe ser una ruta de este sitio (empieza con una sola /).",
                        required=False, metadata={"description": "Adónde volver después de entrar"})


class OidcCallbackQuerySchema(ContractSchema):
    """What the identity provider sends back (RFC 6749 §4.1.2, RFC 9207 ``iss``, OpenID session state)."""

    code = text(2048, required=False)
    state = text(256, required=False)
    error = text(256, required=False)
    error_description = text(2048, required=False)
    error_uri = text(2048, required=False)
    iss = text(2048, required=False)
    session_state = text(2048, required=False)
    scope = text(2048, required=False)
