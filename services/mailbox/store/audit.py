"""Lookups in the mailbox's audit log (``audit``; written through ``Store.audit``)."""


class AuditLookups:
    """Mixin of ``MailboxStore`` (``services.runtime.mongo.Store``): what the audit log says was handed out."""

    def evidence_issued(self, notification_id, generated_at):
        """The audit record of an evidence document handed out with this ``generated_at`` (ISO text)."""
        return self.db.audit.find_one({"target": f"notification:{notification_id}", "action": "read_evidence",
                                       "details.generated_at": generated_at})
