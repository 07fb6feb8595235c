import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { SUMMARY_SECTIONS, type SummaryData } from './summary-data.ts';
import { patientLine, SECTION_TITLES, summaryRows } from './summary-text.ts';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;

/**
 * The standard PDF fonts (Helvetica) encode WinAnsi only (PDF 32000-1 Annex D): accents are
 * folded, anything else becomes '?', rather than the whole PDF failing on one character.
 */
export function winAnsi(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(candidate, size) <= width || line === '') line = candidate;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines : [''];
}

/** The printable summary as a PDF (pdf-lib): the same sections and lines as the HTML view. */
export async function summaryPdf(data: SummaryData, options: { personName: string; now: Date }): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const patient = patientLine(data.patient, options.personName);
  pdf.setTitle(winAnsi(`Patient summary: ${patient.name}`));
  pdf.setProducer('Hearth');
  pdf.setCreationDate(options.now);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const width = A4[0] - 2 * MARGIN;
  let page: PDFPage = pdf.addPage(A4);
  let y = A4[1] - MARGIN;

  const write = (text: string, font: PDFFont, size: number, indent = 0, gap = 2) => {
    for (const line of wrap(winAnsi(text), font, size, width - indent)) {
      if (y - size < MARGIN) {
        page = pdf.addPage(A4);
        y = A4[1] - MARGIN;
      }
      y -= size;
      page.drawText(line, { x: MARGIN + indent, y, size, font, color: rgb(0.07, 0.07, 0.07) });
      y -= gap;
    }
  };

  write(`Patient summary: ${patient.name}`, bold, 18, 0, 6);
  write(`${patient.birthDate ? `Born ${patient.birthDate}. ` : ''}Printed ${options.now.toISOString().slice(0, 10)} from Hearth, a personal health record kept by the patient.`, regular, 9, 0, 10);
  const rows = summaryRows(data);
  for (const section of SUMMARY_SECTIONS) {
    y -= 8;
    write(SECTION_TITLES[section], bold, 13, 0, 4);
    if (rows[section].length === 0) write('None recorded.', regular, 10, 10);
    for (const row of rows[section]) {
      write([row.date, row.text || '(unnamed)', row.detail].filter(Boolean).join('  -  '), regular, 10, 10);
    }
  }
  return pdf.save();
}
