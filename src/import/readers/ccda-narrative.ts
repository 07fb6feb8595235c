/**
 * C-CDA section narrative (CDA R2 §4.3.5, the `<text>` block as parsed by fast-xml-parser) turned into
 * FHIR narrative XHTML (FHIR R4 §2.4 Narrative, constraint txt-1: only basic formatting elements and
 * attributes, no scripts, no event handlers). Built from the parsed tree with an element whitelist and
 * every text escaped, so nothing in a hostile document reaches the record as markup.
 */

type Json = Record<string, unknown>;

const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

// CDA narrative element → XHTML element. Anything else keeps its text and loses its markup.
const ELEMENTS: Record<string, string> = {
  paragraph: 'p',
  content: 'span',
  list: 'ul',
  item: 'li',
  caption: 'caption',
  table: 'table',
  thead: 'thead',
  tbody: 'tbody',
  tfoot: 'tfoot',
  tr: 'tr',
  th: 'th',
  td: 'td',
  colgroup: 'colgroup',
  col: 'col',
  br: 'br',
  sub: 'sub',
  sup: 'sup',
  // Links could carry `javascript:` or point outside; keep their text only.
  linkHtml: 'span',
  footnote: 'span',
  footnoteRef: 'span',
};
const VOID_ELEMENTS = new Set(['br', 'col']);
// Elements that never hold readable text (images, embedded media).
const DROPPED = new Set(['renderMultiMedia', 'observationMedia']);
const SAFE_ID = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const SPAN = /^[1-9][0-9]{0,2}$/;

/** A `<div>` for Narrative.div, or undefined when the block has no text at all (txt-2). */
export function narrativeToXhtml(text: unknown): string | undefined {
  const inner = renderChildren(text);
  if (stripTags(inner).trim() === '') return undefined;
  return `<div xmlns="${XHTML_NAMESPACE}">${inner}</div>`;
}

/** Plain text of every narrative element with an `ID`, across the document, for `<reference value="#id">`. */
export function collectNarrativeIds(ccda: Json): Map<string, string> {
  const ids = new Map<string, string>();
  const components = (ccda['component'] as Json | undefined)?.['structuredBody'] as Json | undefined;
  for (const component of asArray(components?.['component'])) {
    for (const section of asArray((component as Json)['section'])) collectIds((section as Json)['text'], ids, 0);
  }
  return ids;
}

function collectIds(node: unknown, ids: Map<string, string>, depth: number): void {
  if (typeof node !== 'object' || node === null || depth > 64) return;
  if (Array.isArray(node)) {
    for (const item of node) collectIds(item, ids, depth + 1);
    return;
  }
  const element = node as Json;
  const id = element['@_ID'];
  if (typeof id === 'string' && !ids.has(id)) {
    const text = plainText(element).replace(/\s+/g, ' ').trim();
    if (text !== '') ids.set(id, text);
  }
  for (const [key, child] of Object.entries(element)) if (!key.startsWith('@_') && key !== '#text') collectIds(child, ids, depth + 1);
}

function plainText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return node.map(plainText).join(' ');
  if (typeof node !== 'object' || node === null) return '';
  const element = node as Json;
  const parts = [typeof element['#text'] === 'string' ? element['#text'] : ''];
  for (const [key, child] of Object.entries(element)) if (!key.startsWith('@_') && key !== '#text') parts.push(plainText(child));
  return parts.join(' ');
}

// fast-xml-parser without preserveOrder keeps an element's text apart from its children, so mixed
// content comes out text first, then children: the same order the converter itself produced.
function renderChildren(node: unknown, depth = 0): string {
  if (depth > 64) return '';
  if (typeof node === 'string') return escapeText(node);
  if (typeof node !== 'object' || node === null) return '';
  const element = node as Json;
  let html = typeof element['#text'] === 'string' ? escapeText(element['#text']) : '';
  for (const [key, value] of Object.entries(element)) {
    if (key.startsWith('@_') || key === '#text') continue;
    for (const child of asArray(value)) html += renderElement(key, child, depth + 1);
  }
  return html;
}

function renderElement(qualifiedName: string, node: unknown, depth: number): string {
  const name = qualifiedName.replace(/^.*:/, '');
  if (DROPPED.has(name)) return '';
  let tag = ELEMENTS[name];
  if (tag === undefined) return renderChildren(node, depth);
  const element = typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Json) : {};
  if (name === 'list' && element['@_listType'] === 'ordered') tag = 'ol';
  const attributes = renderAttributes(element);
  if (VOID_ELEMENTS.has(tag)) return `<${tag}${attributes}/>`;
  return `<${tag}${attributes}>${renderChildren(node, depth)}</${tag}>`;
}

function renderAttributes(element: Json): string {
  let html = '';
  const id = element['@_ID'];
  if (typeof id === 'string' && SAFE_ID.test(id)) html += ` id="${id}"`;
  for (const name of ['colspan', 'rowspan']) {
    const value = element[`@_${name}`];
    if (typeof value === 'string' && SPAN.test(value)) html += ` ${name}="${value}"`;
  }
  return html;
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, '');
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
