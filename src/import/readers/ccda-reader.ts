import { createHash } from 'node:crypto';
import { convertCcdaToFhir, convertXmlToCcda, type Ccda } from '@medplum/ccda';
import { XMLValidator } from 'fast-xml-parser';
import { HearthError } from '../../errors/hearth-error.ts';
import { readBundle } from './bundle-reader.ts';
import { fixConvertedBundle } from './ccda-fixups.ts';
import { collectNarrativeIds } from './ccda-narrative.ts';
import { prepareCcda } from './ccda-prepare.ts';
import type { ReadLimits } from './limits.ts';
import { decodeUtf8, readCapped } from './streams.ts';
import { errorItemFrom, type ImportItem } from './types.ts';

/**
 * C-CDA documents (.xml): refused before any parsing if they carry what makes XML dangerous, then
 * converted by @medplum/ccda into a FHIR document Bundle, repaired (ccda-prepare.ts, ccda-fixups.ts),
 * and yielded through the Bundle path like any other Bundle.
 */
export async function* readCcda(source: AsyncIterable<Buffer | string>, file: string, limits: ReadLimits): AsyncGenerator<ImportItem> {
  let bundle: Record<string, unknown>;
  try {
    const bytes = await readCapped(source, limits.maxXmlBytes, 'the XML document');
    bundle = convertCcda(decodeXml(bytes), createHash('sha256').update(bytes).digest('hex'), limits);
  } catch (error) {
    yield errorItemFrom({ file }, error);
    return;
  }
  yield* readBundle(bundle, file);
}

/** The checks of SECURITY.md ("Input", XML), on the raw text, before a parser ever sees it. */
export function checkXmlIsSafe(text: string, limits: Pick<ReadLimits, 'maxXmlReferences'>): void {
  // A DOCTYPE is where entities are declared: external ones read files or URLs (XXE), nested ones
  // expand exponentially (billion laughs) or quadratically. C-CDA never needs one, so none is read.
  if (/<!DOCTYPE/i.test(text)) throw new HearthError('invalid', 'XML with a DOCTYPE is refused (document type declarations can define entities)');
  if (/<!ENTITY/i.test(text)) throw new HearthError('invalid', 'XML entity declarations are refused');
  // Processing instructions such as <?xml-stylesheet href=…?> point at external resources; only the
  // XML declaration itself, at the very start, is allowed.
  const declaration = /^\s*<\?xml\s[^?]*\?>/.exec(text);
  const instruction = text.indexOf('<?', declaration ? declaration[0].length : 0);
  if (instruction !== -1) {
    const target = /^<\?([^\s?>]*)/.exec(text.slice(instruction, instruction + 64))?.[1] ?? '';
    throw new HearthError('invalid', `XML processing instructions are refused (found <?${target}>)`);
  }
  if (text.includes('http://www.w3.org/2001/XInclude')) throw new HearthError('invalid', 'XInclude is refused');
  // Every `&` starts an entity or character reference; a flood of them (one million `&#65;`) is a
  // denial of service on its own, long before any size cap.
  let references = 0;
  for (let at = text.indexOf('&'); at !== -1; at = text.indexOf('&', at + 1)) {
    if (++references > limits.maxXmlReferences) {
      throw new HearthError('too-large', `XML has more than ${limits.maxXmlReferences} entity or character references`);
    }
  }
  // xsi:schemaLocation is common in real documents and harmless here: nothing is ever fetched.
}

function decodeXml(bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new HearthError('unsupported', 'UTF-16 XML is not supported; save the document as UTF-8');
  }
  const text = decodeUtf8(bytes, 'the XML document');
  const encoding = /^\s*<\?xml\s[^?]*encoding\s*=\s*["']([^"']+)["']/.exec(text)?.[1]?.toLowerCase();
  if (encoding !== undefined && encoding !== 'utf-8' && encoding !== 'utf8' && encoding !== 'us-ascii') {
    throw new HearthError('unsupported', `XML encoding ${encoding} is not supported; save the document as UTF-8`);
  }
  return text;
}

function convertCcda(text: string, documentKey: string, limits: ReadLimits): Record<string, unknown> {
  checkXmlIsSafe(text, limits);
  // The converter's parser is lenient (it accepts mismatched tags); a document that is not well-formed
  // is refused rather than half-read. fast-xml-parser's validator is iterative, so depth cannot crash it.
  const verdict = XMLValidator.validate(text);
  if (verdict !== true) {
    throw new HearthError('invalid', `not well-formed XML (line ${verdict.err.line}, column ${verdict.err.col}: ${verdict.err.msg.slice(0, 200)})`);
  }
  let ccda: Record<string, unknown> | undefined;
  try {
    ccda = convertXmlToCcda(text) as unknown as Record<string, unknown> | undefined;
  } catch (error) {
    throw new HearthError('invalid', `not well-formed XML (${describeFailure(error)})`);
  }
  if (typeof ccda !== 'object' || ccda === null) {
    throw new HearthError('invalid', 'not a C-CDA document (the root element is not ClinicalDocument in the urn:hl7-org:v3 namespace)');
  }
  checkDepth(ccda);
  const prepared = prepareCcda(ccda, documentKey);
  const narrative = collectNarrativeIds(ccda);
  let bundle: Record<string, unknown>;
  try {
    // Sections the converter does not know (payers, notes, …) are skipped instead of failing the file.
    bundle = convertCcdaToFhir(ccda as unknown as Ccda, { ignoreUnsupportedSections: true }) as unknown as Record<string, unknown>;
  } catch (error) {
    throw new HearthError('unsupported', `the C-CDA converter could not read this document (${describeFailure(error)})`);
  }
  // Through JSON once: drops the converter's `undefined` fields and any shared object identity.
  return fixConvertedBundle(JSON.parse(JSON.stringify(bundle)) as Record<string, unknown>, ccda, prepared, narrative);
}

// Real C-CDA nests a few dozen levels (section, entry, act, entryRelationship, observation, narrative
// tables); the walks after parsing recurse, so anything far deeper is refused up front.
const MAX_ELEMENT_DEPTH = 256;

/** Depth of the parsed tree, measured without recursion. */
function checkDepth(root: Record<string, unknown>): void {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_ELEMENT_DEPTH) throw new HearthError('too-large', `XML elements nested deeper than ${MAX_ELEMENT_DEPTH} levels`);
    for (const child of Object.values(node)) stack.push([child, Array.isArray(node) ? depth : depth + 1]);
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof RangeError) return 'elements nested too deeply';
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 200);
}
