"""Attachments written through the API (v1 upload, new version, trash), on the model:
an uploaded file becomes the attachment's `FileSource` (multipart.py streamed it to disk).
Callers hold the site lock; refusals raise writes.WriteError."""

import mimetypes
import os

from .model import Attachment, FileSource, MEDIA_DESCRIPTIONS, now_ms, uuid_from
from .writes import WriteError


def media_type_of(part):
    given = (part.content_type or "").split(";")[0].strip().lower()
    if given and given != "application/octet-stream":
        return given
    guessed = mimetypes.guess_type(part.filename)[0]
    return guessed or "application/octet-stream"


def find_by_name(space, content, name):
    return next((space.attachments[a] for a in content.attachments
                 if a in space.attachments and space.attachments[a].title == name), None)


def add_attachment(space, content, part, comment=""):
    """A new attachment of content from an uploaded file part (which it keeps)."""
    if not part.filename or "/" in part.filename:
        raise WriteError(400, "An attachment needs a file name without '/'")
    if find_by_name(space, content, part.filename) is not None:
        raise WriteError(400, "com.atlassian.confluence.api.service.exceptions.api."
                              "BadRequestException: Cannot add a new attachment with same file "
                              "name as an existing attachment: %s" % part.filename)
    ms = now_ms()
    att = Attachment("att" + space.next_id(), content.id, part.filename, media_type_of(part),
                     part.size, FileSource(part.path), ms, comment=comment or "")
    part.kept = True
    space.add_attachment(att)
    space.touch()
    return att


def new_version(space, att, part, upload_dir, comment=None):
    """Replace att's bytes with an uploaded file: version + 1, a new fileId."""
    old = att.source
    att.source = FileSource(part.path)
    part.kept = True
    att.size = part.size
    att.media_type = media_type_of(part)
    att.media_desc = MEDIA_DESCRIPTIONS.get(att.media_type, "File")
    if comment is not None:
        att.comment = comment
    att.version += 1
    att.version_ms = max(now_ms(), att.version_ms + 1)
    space.by_file_id.pop(att.file_id, None)
    att.file_id = uuid_from("file:%s:v%d" % (att.id, att.version))
    space.by_file_id[att.file_id] = att.id
    if isinstance(old, FileSource) and upload_dir and \
            os.path.dirname(os.path.abspath(old.path)) == os.path.abspath(upload_dir):
        try:  # an earlier upload of ours; never a fixture's file
            os.unlink(old.path)
        except OSError:
            pass
    space.touch()
    return att


def trash_attachment(space, att):
    """Out of the listings and downloads, into space.trashed_attachments."""
    content = space.content(att.page_id)
    if content is not None and att.id in content.attachments:
        content.attachments.remove(att.id)
    space.attachments.pop(att.id, None)
    space.by_file_id.pop(att.file_id, None)
    space.trashed_attachments[att.id] = att
    space.touch()
