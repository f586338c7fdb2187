"""The demo users of development: one or more of each role. ``make run`` prints a token of each, and the
portal's sign-in page lets one pick any of them (``POST /api/v1/auth/demo-login``). Neither exists when
``PORTAL_ENV=production``."""

DEMO_USERS = [
    dict(sub="abogado.perez", role="lawyer", name="Lic. Ana Pérez", bar_number="12345"),
    dict(sub="abogado.lopez", role="lawyer", name="Lic. Carlos López", bar_number="23456"),
    dict(sub="secretario.01001", role="clerk", name="Marta Juárez (secretaria)", court_id="01001"),
    dict(sub="juez.01001", role="judge", name="Juez Roberto Castillo", court_id="01001"),
    dict(sub="secretario.00001", role="clerk", name="Sofía Herrera (secretaria de amparos)", court_id="00001"),
    dict(sub="juez.00001", role="judge", name="Magistrada Elena Ríos", court_id="00001"),
    dict(sub="ciudadano.1", role="citizen", name="María Xol", id_number="1580352240101"),
    dict(sub="admin", role="admin", name="Administración"),
    dict(sub="unap.oficial", role="records_officer", name="Jorge Méndez (UNAP)"),
    dict(sub="agente.chat", role="chat_agent", name="Lucía Ramírez (agente del chat)"),
    dict(sub="supervisora.chat", role="chat_supervisor", name="Patricia Gómez (supervisora del chat)"),
    dict(sub="notaria.fernandez", role="notary", name="Lic. Lucía Fernández (notaria)", bar_number="34567"),
    dict(sub="archivo.agp", role="archive_officer", name="Andrés Cifuentes (Archivo de Protocolos)"),
]
DEMO_SUBS = tuple(user["sub"] for user in DEMO_USERS)


def demo_user(sub):
    return next((dict(user) for user in DEMO_USERS if user["sub"] == sub), None)
