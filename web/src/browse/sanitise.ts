// The policy for showing HTML from a record (an HTML/XHTML attachment, a C-CDA section's narrative)
// inside the app: DOMPurify (cure53) with a strict configuration on top of its defaults, which
// already drop <script>, event handlers (onerror…) and javascript: URLs. On top of that: no element
// may load anything from anywhere (no src/srcset/poster/background, no <img>/<iframe>/<object>/<video>
// at all, no <style> and no style attribute — CSS can fetch with url() and @import), no forms, no
// <base>, and only in-page links (#…) keep their href. The page then reaches no other origin.
import DOMPurify from 'dompurify';

const FORBID_TAGS = ['script', 'style', 'link', 'meta', 'base', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'img', 'image', 'picture', 'source', 'video', 'audio', 'track', 'svg', 'math', 'form', 'input', 'button', 'select', 'option', 'textarea', 'template', 'portal'];
const FORBID_ATTR = ['style', 'src', 'srcset', 'poster', 'background', 'action', 'formaction', 'xlink:href', 'ping', 'lowsrc', 'dynsrc', 'usemap', 'data'];

/** Sanitises `html` into a detached fragment's HTML string by the policy above. */
export function sanitiseHtml(html: string): string {
  const purify = DOMPurify(window);
  purify.addHook('afterSanitizeAttributes', (node) => {
    const href = node.getAttribute('href');
    // Only links within the document survive: a remote link is a request (and a tracking beacon) waiting for a click.
    if (href !== null && !href.startsWith('#')) node.removeAttribute('href');
    if (node.tagName === 'A') node.setAttribute('rel', 'noopener noreferrer');
  });
  // Parsed into a <template>'s content first: that document has no browsing context, so nothing in
  // it is fetched and a <base> in it never touches the page (a DOMParser document would report the
  // app CSP's base-uri refusal). DOMPurify then cleans the tree in place.
  const template = document.createElement('template');
  template.innerHTML = `<div>${html}</div>`;
  const root = template.content.firstElementChild as HTMLElement;
  purify.sanitize(root, {
    IN_PLACE: true,
    FORBID_TAGS,
    FORBID_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
  });
  return root.innerHTML;
}

/**
 * C-CDA narrative (CDA R2 StrucDocText: paragraph, list/item, table, content, caption, br, linkHtml)
 * turned into HTML elements of the same meaning; anything else keeps only its text. The result goes
 * through sanitiseHtml like any other HTML.
 */
const NARRATIVE: Record<string, string> = {
  paragraph: 'p',
  list: 'ul',
  item: 'li',
  content: 'span',
  caption: 'strong',
  br: 'br',
  linkHtml: 'a',
  sub: 'sub',
  sup: 'sup',
  table: 'table',
  thead: 'thead',
  tbody: 'tbody',
  tfoot: 'tfoot',
  tr: 'tr',
  th: 'th',
  td: 'td',
  col: 'col',
  colgroup: 'colgroup',
};

function narrativeHtml(node: Node, out: Document): Node {
  if (node.nodeType === Node.TEXT_NODE) return out.createTextNode(node.textContent ?? '');
  if (node.nodeType !== Node.ELEMENT_NODE) return out.createTextNode('');
  const element = node as Element;
  const name = element.localName === 'list' && element.getAttribute('listType') === 'ordered' ? 'ol' : NARRATIVE[element.localName];
  const target = name ? out.createElement(name) : out.createDocumentFragment();
  if (name === 'a' && element.getAttribute('href')?.startsWith('#')) (target as Element).setAttribute('href', element.getAttribute('href')!);
  for (const child of Array.from(element.childNodes)) target.appendChild(narrativeHtml(child, out));
  return target;
}

export interface CcdaSection {
  title: string;
  html: string;
}

/** A C-CDA document's title and its sections' narrative, or undefined when the XML is not a ClinicalDocument. */
export function readCcda(xml: string): { title: string; sections: CcdaSection[] } | undefined {
  // The browser's own XML parser: it never fetches external entities or DTDs.
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const root = doc.documentElement;
  if (!root || root.localName !== 'ClinicalDocument' || doc.getElementsByTagName('parsererror').length > 0) return undefined;
  const child = (element: Element, name: string) => Array.from(element.children).find((c) => c.localName === name);
  const out = document.implementation.createHTMLDocument('');
  const sections: CcdaSection[] = [];
  // Every section, nested ones included, in document order.
  for (const node of Array.from(root.getElementsByTagNameNS('*', 'section'))) {
    const text = child(node, 'text');
    const holder = out.createElement('div');
    if (text) for (const part of Array.from(text.childNodes)) holder.appendChild(narrativeHtml(part, out));
    sections.push({ title: child(node, 'title')?.textContent?.trim() || 'Section', html: sanitiseHtml(holder.innerHTML) });
  }
  return { title: child(root, 'title')?.textContent?.trim() || 'Clinical document', sections };
}
