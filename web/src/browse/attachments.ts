// What the attachment viewer needs to know before loading it (kept out of the lazy chunk).
import type { Json } from '../fhir/summarise.ts';

export interface AttachmentInfo {
  contentType: string;
  title: string | undefined;
  stored: boolean;
}

/** The attachments of a record, by position, as the server numbers them (src/browse/attachments.ts). */
export function attachmentsOf(resource: Json): AttachmentInfo[] {
  const info = (value: unknown): AttachmentInfo => {
    const attachment = (value ?? {}) as { contentType?: string; title?: string; data?: string; url?: string };
    return { contentType: (attachment.contentType ?? '').toLowerCase(), title: attachment.title, stored: attachment.data !== undefined || /^Binary\//.test(attachment.url ?? '') };
  };
  switch (resource.resourceType) {
    case 'Binary':
      return [{ contentType: String(resource.contentType ?? '').toLowerCase(), title: undefined, stored: resource.data !== undefined }];
    case 'DocumentReference':
      return ((resource.content as { attachment?: unknown }[] | undefined) ?? []).map((content) => info(content.attachment));
    case 'Media':
      return [info(resource.content)];
    case 'DiagnosticReport':
      return ((resource.presentedForm as unknown[] | undefined) ?? []).map(info);
    case 'Communication':
      return ((resource.payload as { contentAttachment?: unknown }[] | undefined) ?? []).filter((p) => p.contentAttachment).map((p) => info(p.contentAttachment));
    default:
      return [];
  }
}
