/**
 * Walks every Reference in a resource (any object with a string `reference`), letting the caller
 * rewrite it in place. Contained resources are walked too: their references point at the same
 * server. FHIR R4 §2.3.0 (references.html).
 */
export function forEachReference(node: unknown, visit: (reference: { reference: string }, path: string) => void, path: string | null = null): void {
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) forEachReference(node[index], visit, path === null ? null : `${path}[${index}]`);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (typeof record.reference === 'string') visit(record as { reference: string }, path ?? '');
  for (const key in record) {
    const value = record[key];
    // Paths are only built when asked for: import walks every resource and must stay cheap.
    if (typeof value === 'object' && value !== null) forEachReference(value, visit, path === null ? null : `${path}.${key}`);
  }
}

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Splits `Type/id` (optionally `/_history/v`), or an absolute URL under `base`, into its parts. */
export function parseLocalReference(reference: string, base?: string): { type: string; id: string; history: string } | undefined {
  let relative = reference;
  if (base && reference.startsWith(`${base.replace(/\/+$/, '')}/`)) relative = reference.slice(base.replace(/\/+$/, '').length + 1);
  const match = RELATIVE.exec(relative);
  if (!match) return undefined;
  return { type: match[1]!, id: match[2]!, history: match[3] ?? '' };
}

/**
 * The forms a Reference.reference may take (FHIR R4 §2.3.0): `#id` (contained; `#` alone is the
 * container), relative `Type/id[/_history/v]`, `urn:uuid:` / `urn:oid:` (inside a Bundle), an
 * absolute URL, or a conditional reference `Type?search` (R4 §3.1.0.8.3; Synthea's bulk exports
 * use `Practitioner?identifier=system|value`). Anything else (spaces, a bare id) is not one.
 */
const REFERENCE_FORM =
  /^(#([A-Za-z0-9\-.]{1,64})?|urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|urn:oid:[0-2](\.(0|[1-9][0-9]*))+|[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?|[A-Z][A-Za-z]+\?[^\s]+|[a-z][a-z0-9+.-]*:\/\/[^\s]+)$/;

export function referenceFormProblems(resource: unknown): { expression: string; message: string }[] {
  const problems: { expression: string; message: string }[] = [];
  const type = (resource as { resourceType?: string }).resourceType ?? 'Resource';
  forEachReference(
    resource,
    ({ reference }, path) => {
      if (!REFERENCE_FORM.test(reference)) {
        problems.push({ expression: `${path}.reference`, message: `"${reference.slice(0, 80)}" is not a valid reference (expected Type/id, #id, urn:uuid:…, or an absolute URL)` });
      }
    },
    type,
  );
  return problems;
}

const CONDITIONAL_IDENTIFIER = /^([A-Z][A-Za-z]+)\?identifier=([^|&\s]*)\|([^&\s]+)$/;

/** `Type?identifier=system|value`, the conditional reference form Hearth resolves, split up. */
export function parseConditionalReference(reference: string): { type: string; system: string; value: string } | undefined {
  const match = CONDITIONAL_IDENTIFIER.exec(reference);
  if (!match) return undefined;
  return { type: match[1]!, system: decodeURIComponent(match[2]!), value: decodeURIComponent(match[3]!) };
}
