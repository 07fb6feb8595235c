import { SUMMARY_SECTIONS, type SummaryData } from './summary-data.ts';
import { patientLine, SECTION_TITLES, summaryRows } from './summary-text.ts';

/** The print view's stylesheet, served from its own route: the CSP allows styles from 'self' only. */
export const SUMMARY_CSS = `body { font: 11pt/1.4 system-ui, sans-serif; color: #111; max-width: 48rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; border-bottom: 1px solid #999; margin: 1.5rem 0 .5rem; page-break-after: avoid; }
.meta { color: #444; margin: 0 0 1rem; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: .2rem .4rem; border-bottom: 1px solid #ddd; }
td.date { white-space: nowrap; width: 7rem; }
.empty { color: #555; font-style: italic; }
@media print { body { margin: 0; max-width: none; } a { display: none; } }
`;

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * A print-friendly page for a doctor: plain HTML, no script, every value escaped, the styles from
 * `stylesheet` (a same-origin URL).
 */
export function summaryHtml(data: SummaryData, options: { personName: string; now: Date; stylesheet: string }): string {
  const patient = patientLine(data.patient, options.personName);
  const rows = summaryRows(data);
  const sections = SUMMARY_SECTIONS.map((section) => {
    const lines = rows[section];
    const body =
      lines.length === 0
        ? '<p class="empty">None recorded.</p>'
        : `<table><thead><tr><th>${section === 'results' ? 'Test' : 'Name'}</th><th>Details</th><th>Date</th></tr></thead><tbody>${lines
            .map((row) => `<tr><td>${escapeHtml(row.text || '(unnamed)')}</td><td>${escapeHtml(row.detail)}</td><td class="date">${escapeHtml(row.date)}</td></tr>`)
            .join('')}</tbody></table>`;
    return `<section><h2>${escapeHtml(SECTION_TITLES[section])}</h2>${body}</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Patient summary: ${escapeHtml(patient.name)}</title>
<link rel="stylesheet" href="${escapeHtml(options.stylesheet)}">
</head>
<body>
<h1>Patient summary: ${escapeHtml(patient.name)}</h1>
<p class="meta">${patient.birthDate ? `Born ${escapeHtml(patient.birthDate)} · ` : ''}Printed ${escapeHtml(options.now.toISOString().slice(0, 10))} from Hearth, a personal health record kept by the patient.</p>
${sections}
</body>
</html>
`;
}
