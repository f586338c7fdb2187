"""Mint development tokens: ``python -m gateway.tokens --role lawyer --sub abogado1``."""
import argparse

from gateway.auth import mint_token, resolve_secret
from services.runtime.config import Settings, load_config


def main(argv=None):
    parser = argparse.ArgumentParser(description="Emite un token JWT de desarrollo para Portal Judicial.")
    parser.add_argument("--sub", required=True)
    parser.add_argument("--role", required=True, choices=["lawyer", "clerk", "judge", "citizen", "admin", "records_officer", "notary", "archive_officer"])
    parser.add_argument("--name")
    parser.add_argument("--bar-number")
    parser.add_argument("--court-id")
    parser.add_argument("--id-number", help="el CUI de un ciudadano")
    parser.add_argument("--hours", type=float, default=8)
    args = parser.parse_args(argv)
    secret = resolve_secret(Settings(load_config()))
    print(mint_token(secret, args.sub, args.role, args.name, args.bar_number, args.court_id, args.hours,
                     id_number=args.id_number))


if __name__ == "__main__":
    main()
