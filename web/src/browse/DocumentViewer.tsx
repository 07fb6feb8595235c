// Shows a record's attachments (DocumentReference.content, Media.content, DiagnosticReport.presentedForm,
// a Binary) from the server's same-origin attachment route: PDFs in the browser's viewer in an
// <iframe> (frame-src falls back to the app CSP's default-src 'self'; the route allows framing by
// 'self' only), images as <img>, plain text as text, HTML/XHTML sanitised (sanitise.ts), C-CDA as
// its sections' narrative. "Download the original" is always there.
import { Anchor, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { seg } from '../api.ts';
import type { Json } from '../fhir/summarise.ts';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';
import { attachmentsOf, type AttachmentInfo } from './attachments.ts';
import { readCcda, sanitiseHtml } from './sanitise.ts';

const kindOf = (contentType: string) => {
  const type = contentType.split(';')[0]!.trim();
  if (type === 'application/pdf') return 'pdf';
  if (/^image\/(png|jpeg|gif|webp|bmp)$/.test(type)) return 'image';
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type === 'application/xml' || type === 'text/xml' || type === 'application/hl7-v3+xml' || type === 'application/cda+xml') return 'xml';
  if (type.startsWith('text/') || type === 'application/json' || type === 'application/fhir+json') return 'text';
  return 'other';
};

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(response.status === 404 ? 'This attachment is not stored in Hearth.' : `The server answered ${response.status}.`);
  return response.text();
}

function TextBody({ url, kind, label }: { url: string; kind: 'text' | 'html' | 'xml'; label: string }) {
  const text = useLoad(url, () => fetchText(url));
  if (text.loading) return <Loading label="Opening the document…" />;
  if (text.error) return <ErrorNote error={text.error} title="This document cannot be shown" />;
  const body = text.data ?? '';
  if (kind === 'html') {
    // Sanitised markup only (sanitise.ts): no scripts, no remote loads, no forms, no styles.
    return <div className="hearth-document" data-testid="document-html" aria-label={label} dangerouslySetInnerHTML={{ __html: sanitiseHtml(body) }} />;
  }
  if (kind === 'xml') {
    const ccda = readCcda(body);
    if (ccda) {
      return (
        <Stack gap="sm" data-testid="document-ccda" aria-label={label}>
          <Title order={3} size="h4">
            {ccda.title}
          </Title>
          {ccda.sections.map((section, index) => (
            <section key={index}>
              <Title order={4} size="h5">
                {section.title}
              </Title>
              <div className="hearth-document" dangerouslySetInnerHTML={{ __html: section.html }} />
            </section>
          ))}
        </Stack>
      );
    }
  }
  return (
    <Text component="pre" size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} data-testid="document-text">
      {body}
    </Text>
  );
}

function Attachment({ url, info, index }: { url: string; info: AttachmentInfo; index: number }) {
  const kind = kindOf(info.contentType);
  const label = info.title ?? `Attachment ${index + 1}`;
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs">
        <Text fw={500}>
          {label}{' '}
          <Text span size="xs" c="dimmed">
            {info.contentType || 'unknown type'}
          </Text>
        </Text>
        {info.stored && (
          <Anchor href={`${url}?download=1`} download size="sm">
            Download the original
          </Anchor>
        )}
      </Group>
      {!info.stored ? (
        <Empty>Only a remote address is recorded for this attachment; Hearth does not fetch it.</Empty>
      ) : kind === 'pdf' ? (
        <iframe src={url} title={label} data-testid="document-pdf" style={{ width: '100%', height: '70vh', border: 0 }} />
      ) : kind === 'image' ? (
        <img src={url} alt={label} data-testid="document-image" style={{ maxWidth: '100%' }} />
      ) : kind === 'other' ? (
        <Empty>This kind of file cannot be shown here: download it to open it.</Empty>
      ) : (
        <TextBody url={url} kind={kind} label={label} />
      )}
    </Paper>
  );
}

/** Every attachment of the record, shown. Default export: loaded lazily with DOMPurify (React.lazy). */
export default function DocumentViewer({ pid, resource }: { pid: string; resource: Json }) {
  const attachments = attachmentsOf(resource);
  if (attachments.length === 0) return null;
  const base = `/api/people/${seg(pid)}/attachments/${seg(String(resource.resourceType))}/${seg(String(resource.id))}`;
  return (
    <Stack gap="sm" data-testid="documents">
      {attachments.map((info, index) => (
        <Attachment key={index} url={`${base}/${index}`} info={info} index={index} />
      ))}
    </Stack>
  );
}
