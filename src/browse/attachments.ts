import type { Attachment, Resource } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';

export interface AttachmentBytes {
  bytes: Buffer;
  /** A well-formed media type (parameters other than charset dropped), or application/octet-stream. */
  contentType: string;
  /** A file name safe for Content-Disposition (RFC 6266): ASCII letters, digits, space, `._-`. */
  filename: string;
}

/**
 * `Binary/<id>`: the only attachment URL Hearth follows, into the same vault (R4 Attachment.url).
 * A provider's absolute `https://…/Binary/<id>` counts too: the sync fetched that Binary into the
 * vault under the record's source (sync/sync-references.ts), and it is read from there, never fetched.
 */
const BINARY_URL = /^(?:https?:\/\/[^\s?#]+\/)?Binary\/([A-Za-z0-9\-.]{1,64})$/;
const MEDIA_TYPE = /^([a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126})\s*(?:;.*?charset\s*=\s*"?([A-Za-z0-9._-]{1,40})"?)?/i;

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/html': 'html',
  'application/xhtml+xml': 'xhtml',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/hl7-v3+xml': 'xml',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/fhir+json': 'json',
  'application/json': 'json',
};

export function mediaTypeOf(contentType: string | undefined): string {
  const m = MEDIA_TYPE.exec(contentType?.trim() ?? '');
  if (!m) return 'application/octet-stream';
  const type = m[1]!.toLowerCase();
  return m[2] ? `${type}; charset=${m[2].toLowerCase()}` : type;
}

/** A download name from the attachment title: anything outside a small safe set becomes "_". */
export function filenameOf(title: string | undefined, fallback: string, mediaType: string): string {
  const base = (title ?? '').replace(/[^A-Za-z0-9 ._-]+/g, '_').replace(/^[ ._]+/, '').slice(0, 80).trim() || fallback;
  const extension = EXTENSIONS[mediaType.split(';')[0]!];
  return extension && !base.toLowerCase().endsWith(`.${extension}`) ? `${base}.${extension}` : base;
}

/** The attachments a record carries, by position (R4: DocumentReference.content, Media.content, DiagnosticReport.presentedForm). */
export function attachmentsOf(resource: Resource): Attachment[] {
  switch (resource.resourceType) {
    case 'DocumentReference':
      return resource.content.map((content) => content.attachment);
    case 'Media':
      return [resource.content];
    case 'DiagnosticReport':
      return resource.presentedForm ?? [];
    case 'Communication':
      return (resource.payload ?? []).flatMap((payload) => (payload.contentAttachment ? [payload.contentAttachment] : []));
    default:
      return [];
  }
}

const notStored = () => new HearthError('not-found', 'this attachment is not stored in Hearth (only a remote address Hearth does not fetch)');

/**
 * The bytes of attachment `index` of a record, or of a Binary (index 0). Inline `data` is decoded;
 * a `Binary/<id>` URL is read from the same vault with `readBinary`; any other URL is never fetched
 * (no request leaves Hearth on a record's say-so: SSRF, and privacy).
 */
export function attachmentOf(resource: Resource, index: number, readBinary: (id: string) => Resource): AttachmentBytes {
  const fallback = `${resource.resourceType}-${resource.id ?? 'record'}`;
  if (resource.resourceType === 'Binary') {
    if (index !== 0 || resource.data === undefined) throw notStored();
    const contentType = mediaTypeOf(resource.contentType);
    return { bytes: Buffer.from(resource.data, 'base64'), contentType, filename: filenameOf(undefined, fallback, contentType) };
  }
  const attachment = attachmentsOf(resource)[index];
  if (!attachment) throw new HearthError('not-found', 'this record has no such attachment');
  const contentType = mediaTypeOf(attachment.contentType);
  const filename = filenameOf(attachment.title, index === 0 ? fallback : `${fallback}-${index + 1}`, contentType);
  if (attachment.data !== undefined) return { bytes: Buffer.from(attachment.data, 'base64'), contentType, filename };
  const binary = BINARY_URL.exec(attachment.url ?? '');
  if (!binary) throw notStored();
  const target = readBinary(binary[1]!);
  if (target.resourceType !== 'Binary' || target.data === undefined) throw notStored();
  // The attachment's own content type wins; the Binary's serves when the attachment has none.
  const type = attachment.contentType ? contentType : mediaTypeOf(target.contentType);
  return { bytes: Buffer.from(target.data, 'base64'), contentType: type, filename: filenameOf(attachment.title, fallback, type) };
}
