"""The documents' area: the GridFS bucket ``documents`` (PDFs, byte for byte). Uploads are staged and
attached through ``services.runtime.staging`` (``StagingStore``); this area reads attached ones back."""
from services.runtime.staging import DEFAULT_BUCKET, StagedDocuments, StagingStore

BUCKET = DEFAULT_BUCKET


class Documents(StagingStore):
    staging_bucket = BUCKET
    indexes = StagedDocuments.indexes(BUCKET)

    def get_document_file(self, document_id):
        """The file document of an attached document (its metadata names its case, and its writ or
        resolution), or None."""
        return self.staging.attached(document_id)

    def download(self, file_doc):
        """``{document, content}``: the document's receipt entry and its bytes."""
        return self.staging.download(file_doc)
