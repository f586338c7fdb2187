"""A small HTTP client of the gateway, as a web portal or the mobile app would use it."""
import itertools
import json

import requests

from tests.support.pdfgen import make_pdf

_counter = itertools.count(1)

LAWYER = dict(role="lawyer", name="Lic. Ana Pérez", bar_number="12345")


class Api:
    def __init__(self, stack):
        self.stack = stack
        self.url = stack.url
        self.http = requests.Session()

    # --- identities ------------------------------------------------------
    def lawyer(self, sub=None, **claims):
        sub = sub or f"abogado{next(_counter)}"
        return self.stack.token(sub, "lawyer", name=claims.get("name", f"Lic. {sub}"),
                                bar_number=claims.get("bar_number", str(10000 + next(_counter))))

    def staff(self, role, court_id="01001", sub=None):
        sub = sub or f"{role}{next(_counter)}-{court_id}"
        return self.stack.token(sub, role, name=f"{role} {court_id}", court_id=court_id)

    def clerk(self, court_id="01001", sub=None):
        return self.staff("clerk", court_id, sub)

    def judge(self, court_id="01001", sub=None):
        return self.staff("judge", court_id, sub)

    def citizen(self, sub=None):
        return self.stack.token(sub or f"ciudadano{next(_counter)}", "citizen", name="Ciudadano")

    def admin(self):
        return self.stack.token("admin", "admin", name="Administración")

    # --- raw HTTP ----------------------------------------------------------
    @staticmethod
    def auth(token):
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path, token=None, **kwargs):
        headers = {**self.auth(token), **kwargs.pop("headers", {})}
        return self.http.get(self.url + path, headers=headers, timeout=30, **kwargs)

    def post_json(self, path, body, token=None, **kwargs):
        headers = {**self.auth(token), **kwargs.pop("headers", {})}
        return self.http.post(self.url + path, json=body, headers=headers, timeout=30, **kwargs)

    def post_multipart(self, path, metadata, documents, token=None, document_field="documents", headers=None):
        """``documents``: list of (filename, bytes) or of (filename, bytes, content_type)."""
        files = []
        if metadata is not None:
            files.append(("metadata", (None, metadata if isinstance(metadata, (str, bytes)) else json.dumps(metadata),
                                       "application/json")))
        for doc in documents:
            filename, data = doc[0], doc[1]
            content_type = doc[2] if len(doc) > 2 else "application/pdf"
            files.append((document_field, (filename, data, content_type)))
        return self.http.post(self.url + path, files=files, headers={**self.auth(token), **(headers or {})}, timeout=60)

    # --- the flows -----------------------------------------------------------
    @staticmethod
    def case_metadata(court_id="01001", matter="civil", represents="Actor Uno, S.A.", **overrides):
        meta = {"court_id": court_id, "matter": matter, "subject": "Juicio ordinario de cobro de pesos",
                "parties": [{"name": "Actor Uno, S.A.", "role": "actor"},
                            {"name": "Demandado Dos", "role": "demandado", "id_number": "1234567890101"}],
                "represents": represents}
        meta.update(overrides)
        return meta

    def open_case(self, token, court_id="01001", documents=None, headers=None, **overrides):
        documents = documents or [("demanda.pdf", make_pdf(pages=2, seed=next(_counter)))]
        return self.post_multipart("/api/v1/cases", self.case_metadata(court_id, **overrides), documents, token,
                                   headers=headers)

    def new_case(self, token, court_id="01001", **overrides):
        response = self.open_case(token, court_id, **overrides)
        assert response.status_code == 201, response.text
        return response.json()

    def file(self, token, case_number, kind="escrito", summary="Memorial de evacuación de audiencia",
             documents=None, represents=None, headers=None):
        metadata = {"kind": kind, "summary": summary}
        if represents:
            metadata["represents"] = represents
        documents = documents or [("escrito.pdf", make_pdf(seed=next(_counter)))]
        return self.post_multipart(f"/api/v1/cases/{case_number}/filings", metadata, documents, token, headers=headers)

    def review(self, token, filing_id, decision="accept", reason=None):
        body = {"decision": decision}
        if reason is not None:
            body["reason"] = reason
        return self.post_json(f"/api/v1/filings/{filing_id}/review", body, token)

    def resolve(self, token, case_number, kind="decreto", summary="Se tiene por evacuada la audiencia", term_days=3,
                document=None, headers=None):
        metadata = {"kind": kind, "summary": summary}
        if term_days is not None:
            metadata["term_days"] = term_days
        document = document or ("resolucion.pdf", make_pdf(seed=next(_counter)))
        return self.post_multipart(f"/api/v1/cases/{case_number}/resolutions", metadata, [document], token,
                                   document_field="document", headers=headers)

    def accepted_case(self, lawyer_token, clerk_token, court_id="01001"):
        """A case whose initial filing the clerk accepted."""
        opened = self.new_case(lawyer_token, court_id)
        response = self.review(clerk_token, opened["receipt"]["filing_id"])
        assert response.status_code == 200, response.text
        return opened
