"""Attachments (images and files): two-phase uploads, size and type limits, files under ``<data_dir>/attachments``.

``attachments.create`` (ChatKit protocol) registers the attachment and answers an upload descriptor pointing at
``PUT /api/attachments/{id}/upload``; ``POST /api/attachments`` uploads directly in one step. Files live in one
directory per user (a hash of the user id), named by attachment id, and are served only to their owner. The metadata
row (``SqlStore``) is the authority: a file is reachable only through a row owned by the caller. Image previews use
signed URLs (``?exp=<unix time>&sig=<HMAC of id and expiry>``, no user id) so an ``<img>`` can show them without
identity headers (in any client, the hosted ChatKit UI included) until they expire (``AYA_SIGNED_LINK_TTL_S``); the
key is ``AYA_SECRET_KEY`` or a random key kept in the data dir.

Abuse limits: attachments created per user (``AYA_ATTACHMENT_RATE_PER_USER``), bytes stored per user
(``AYA_ATTACHMENT_QUOTA_BYTES``), and uploads never attached to a message deleted after ``AYA_UNATTACHED_UPLOAD_TTL_S``
(:meth:`FileAttachmentStore.sweep_unattached`, run periodically by the web app).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from urllib.parse import urlencode

from chatkit.store import AttachmentStore
from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    FileAttachment,
    ImageAttachment,
)
from pydantic import AnyUrl

from aya.chat.store import AyaStore, NotFoundError
from aya.core.context import RequestContext
from aya.core.errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from aya.core.ids import new_id
from aya.core.ratelimits import Limiter

logger = logging.getLogger("aya.chat")

IMAGE_TYPES: dict[str, list[str]] = {
    "image/png": [".png"],
    "image/jpeg": [".jpg", ".jpeg"],
    "image/gif": [".gif"],
    "image/webp": [".webp"],
}
FILE_TYPES: dict[str, list[str]] = {
    "application/pdf": [".pdf"],
    "text/plain": [".txt"],
    "text/csv": [".csv"],
    "text/markdown": [".md"],
    "application/json": [".json"],
}
ACCEPTED_TYPES: dict[str, list[str]] = {**IMAGE_TYPES, **FILE_TYPES}
_ID = re.compile(r"^atc_[0-9a-f]{8,64}$")
_MAX_NAME = 255


def _media_type(mime_type: str) -> str:
    return mime_type.split(";", 1)[0].strip().lower()


def _dir_bytes(path: Path) -> int:
    try:
        return sum(entry.stat().st_size for entry in os.scandir(path) if entry.is_file())
    except FileNotFoundError:
        return 0


class FileAttachmentStore(AttachmentStore[RequestContext]):
    def __init__(
        self,
        root: Path,
        store: AyaStore,
        *,
        max_bytes: int,
        secret: bytes,
        quota_bytes: int | None = None,
        link_ttl_s: int = 3600,
        unattached_ttl_s: int = 3600,
        limiter: Limiter | None = None,
        create_rate: str = "20/minute;200/day",
    ) -> None:
        self.root = root
        self.store = store
        self.max_bytes = max_bytes
        self.quota_bytes = quota_bytes
        self.link_ttl_s = link_ttl_s
        self.unattached_ttl_s = unattached_ttl_s
        self.limiter = limiter
        self.create_rate = create_rate
        self._secret = secret

    # --- signed links ----------------------------------------------------------------------------------------------
    def signature(self, attachment_id: str, expires: int) -> str:
        message = f"{attachment_id}\0{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:40]

    def signed_url(self, attachment_id: str, context: RequestContext, *, now: float | None = None) -> str:
        """A capability URL for the file (images in ``<img>``, where no identity header can be sent), valid for
        ``link_ttl_s`` seconds. It carries no user id."""
        expires = int(now if now is not None else time.time()) + self.link_ttl_s
        query = urlencode({"exp": expires, "sig": self.signature(attachment_id, expires)})
        return f"{context.base_url}/api/attachments/{attachment_id}?{query}"

    async def check_signature(self, attachment_id: str, expires: str, signature: str) -> RequestContext:
        """The owner's context when ``signature`` signs this attachment until ``expires`` (not yet past); 404
        otherwise (an expired link says so)."""
        if not expires.isdigit() or not hmac.compare_digest(self.signature(attachment_id, int(expires)), signature):
            raise NotFound(f"attachment {attachment_id} not found")
        if int(expires) < time.time():
            raise NotFound(f"the link to attachment {attachment_id} has expired; reload the conversation")
        owner = await self.store.attachment_owner(attachment_id)
        if owner is None:
            raise NotFound(f"attachment {attachment_id} not found")
        return RequestContext(user_id=owner)

    # --- quotas ----------------------------------------------------------------------------------------------------
    async def used_bytes(self, context: RequestContext) -> int:
        return await asyncio.to_thread(_dir_bytes, self._user_dir(context))

    async def _check_quota(self, context: RequestContext, adding: int) -> None:
        if self.quota_bytes is None:
            return
        used = await self.used_bytes(context)
        if used + adding > self.quota_bytes:
            raise PayloadTooLarge(
                f"attachment storage quota reached: {used} of {self.quota_bytes} bytes used; "
                "delete conversations with files to make room",
                field="params.size",
            )

    async def sweep_unattached(self, *, now: float | None = None) -> int:
        """Delete uploads that no message used within ``unattached_ttl_s`` (rows and files); how many went."""
        cutoff = (now if now is not None else time.time()) - self.unattached_ttl_s
        removed = 0
        for user_id, attachment in await self.store.unattached_attachments():
            created = (attachment.metadata or {}).get("created_at")
            if isinstance(created, int | float) and created > cutoff:
                continue
            context = RequestContext(user_id=user_id)
            await self.delete_files([attachment.id], context)
            await self.store.delete_attachment(attachment.id, context)
            removed += 1
        if removed:
            logger.info("deleted %d upload(s) never attached to a message", removed)
        return removed

    # --- paths -----------------------------------------------------------------------------------------------------
    def _user_dir(self, context: RequestContext) -> Path:
        return self.root / hashlib.sha256(context.user_id.encode()).hexdigest()[:32]

    def path(self, attachment_id: str, context: RequestContext) -> Path:
        if not _ID.match(attachment_id):
            raise NotFound(f"attachment {attachment_id} not found")
        return self._user_dir(context) / attachment_id

    # --- the protocol ----------------------------------------------------------------------------------------------
    def validate(self, params: AttachmentCreateParams) -> str:
        """The normalized media type, or 400/413 naming the problem."""
        media_type = _media_type(params.mime_type)
        if media_type not in ACCEPTED_TYPES:
            accepted = ", ".join(sorted(ACCEPTED_TYPES))
            raise BadRequest(
                f"mime_type {params.mime_type!r} is not accepted (accepted: {accepted})", field="params.mime_type"
            )
        if params.size < 0:
            raise BadRequest("size must not be negative", field="params.size")
        if params.size > self.max_bytes:
            raise PayloadTooLarge(
                f"attachment of {params.size} bytes exceeds the limit of {self.max_bytes} bytes", field="params.size"
            )
        if not params.name.strip() or len(params.name) > _MAX_NAME:
            raise BadRequest(f"name must be 1-{_MAX_NAME} characters", field="params.name")
        return media_type

    async def create_attachment(self, input: AttachmentCreateParams, context: RequestContext) -> Attachment:
        media_type = self.validate(input)
        if self.limiter is not None:
            await self.limiter.hit(self.create_rate, "attachments", context.user_id, what="attachments")
        await self._check_quota(context, input.size)
        attachment_id = new_id("atc")
        url = f"{context.base_url}/api/attachments/{attachment_id}"
        upload = AttachmentUploadDescriptor(url=AnyUrl(f"{url}/upload"), method="PUT")
        metadata = {"size": input.size, "uploaded": False, "created_at": int(time.time())}
        name = input.name.strip()
        if media_type in IMAGE_TYPES:
            return ImageAttachment(
                id=attachment_id,
                name=name,
                mime_type=media_type,
                preview_url=AnyUrl(self.signed_url(attachment_id, context)),
                upload_descriptor=upload,
                metadata=metadata,
            )
        return FileAttachment(
            id=attachment_id, name=name, mime_type=media_type, upload_descriptor=upload, metadata=metadata
        )

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        await self.delete_files([attachment_id], context)

    # --- bytes -----------------------------------------------------------------------------------------------------
    async def write(self, attachment_id: str, chunks: AsyncIterator[bytes], context: RequestContext) -> Attachment:
        """Store the bytes of a registered attachment (at most its declared size and the limit) and mark it uploaded."""
        try:
            attachment = await self.store.load_attachment(attachment_id, context)
        except NotFoundError as exc:
            raise NotFound(f"attachment {attachment_id} not found") from exc
        if (attachment.metadata or {}).get("uploaded"):
            raise Conflict(f"attachment {attachment_id} was already uploaded")
        declared = int((attachment.metadata or {}).get("size", self.max_bytes))
        limit = min(self.max_bytes, declared) if declared > 0 else self.max_bytes
        if self.quota_bytes is not None:
            limit = min(limit, max(0, self.quota_bytes - await self.used_bytes(context)))
        target = self.path(attachment_id, context)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        total = 0
        handle = await asyncio.to_thread(partial.open, "wb")
        try:
            async for chunk in chunks:
                total += len(chunk)
                if total > limit:
                    raise PayloadTooLarge(
                        f"upload exceeds {limit} bytes (the declared size, the attachment limit or the storage quota)",
                        field="file",
                    )
                await asyncio.to_thread(handle.write, chunk)
        except BaseException:
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(partial.unlink, True)
            raise
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(os.replace, partial, target)
        updated = attachment.model_copy(
            update={
                "upload_descriptor": None,
                "metadata": {**(attachment.metadata or {}), "size": total, "uploaded": True},
            }
        )
        await self.store.save_attachment(updated, context)
        logger.info("attachment %s uploaded (%d bytes)", attachment_id, total)
        return updated

    async def read(self, attachment_id: str, context: RequestContext) -> tuple[Attachment, Path]:
        """The caller's attachment and its file; 404 when it is not theirs or not uploaded."""
        try:
            attachment = await self.store.load_attachment(attachment_id, context)
        except NotFoundError as exc:
            raise NotFound(f"attachment {attachment_id} not found") from exc
        path = self.path(attachment_id, context)
        if not await asyncio.to_thread(path.is_file):
            raise NotFound(f"attachment {attachment_id} has no uploaded content")
        return attachment, path

    async def read_bytes(self, attachment: Attachment, context: RequestContext, limit: int) -> bytes | None:
        """The file's bytes when uploaded and at most ``limit`` bytes (for model input), else ``None``."""
        path = self.path(attachment.id, context)

        def _read() -> bytes | None:
            if not path.is_file() or path.stat().st_size > limit:
                return None
            return path.read_bytes()

        return await asyncio.to_thread(_read)

    async def delete_files(self, attachment_ids: Iterable[str], context: RequestContext) -> None:
        paths = [self.path(i, context) for i in attachment_ids if _ID.match(i)]

        def _unlink() -> None:
            for path in paths:
                path.unlink(missing_ok=True)
                path.with_suffix(".part").unlink(missing_ok=True)

        await asyncio.to_thread(_unlink)

    async def delete_all(self, context: RequestContext) -> None:
        await asyncio.to_thread(shutil.rmtree, self._user_dir(context), True)


def attachment_secret(secret_key: str | None, data_dir: Path) -> bytes:
    """The key signing attachment URLs: ``AYA_SECRET_KEY`` when set, else a random key stored in the data dir."""
    if secret_key:
        return hashlib.sha256(b"aya.attachments\0" + secret_key.encode()).digest()
    path = data_dir / "attachment_secret"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier (or by another process starting at the same time)
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())
