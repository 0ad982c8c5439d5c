"""The ChatKit server: ``AyaChatServer``, its stores (SQLite, PostgreSQL), attachments and the assistant seam."""
