import { fhirTypeToJsType, validationRegexes } from '@medplum/core';

/**
 * The primitive checks of @medplum/core 4.5.2's ResourceValidator.validatePrimitiveType /
 * validateString / validateNumber, per FHIR type code, built once. The regexes are medplum's own
 * objects (`validationRegexes`), so a format accepted here is one medplum accepts. FHIR R4
 * datatypes.html §2.24.0.1 (primitive types).
 *
 * A check answers true only when medplum would raise no issue for the value. Values medplum treats
 * specially (null, an object standing for a primitive with only extensions) answer false: the
 * caller then leaves the verdict to medplum.
 */
export type PrimitiveCheck = (value: unknown) => boolean;

/** FHIR R4 §2.24.0.1 string: at most 1 MB (medplum counts UTF-16 code units). */
const MAX_STRING = 1024 * 1024;

const checks = new Map<string, PrimitiveCheck | undefined>();

export function primitiveCheck(code: string): PrimitiveCheck | undefined {
  if (!checks.has(code)) checks.set(code, buildCheck(code));
  return checks.get(code);
}

function buildCheck(code: string): PrimitiveCheck | undefined {
  const jsType = (fhirTypeToJsType as Record<string, string>)[code];
  if (jsType === 'boolean') return (value) => typeof value === 'boolean';
  if (jsType === 'number') {
    if (code === 'decimal') return (value) => typeof value === 'number' && Number.isFinite(value);
    if (code === 'integer') return (value) => typeof value === 'number' && Number.isInteger(value);
    if (code === 'positiveInt') return (value) => typeof value === 'number' && Number.isInteger(value) && value > 0;
    if (code === 'unsignedInt') return (value) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
    return undefined;
  }
  if (jsType === 'string') {
    const regex = validationRegexes[code];
    return (value) => {
      if (typeof value !== 'string' || value.length > MAX_STRING) return false;
      // medplum: `!str.trim()` is "String must contain non-whitespace content".
      if (value.trim() === '') return false;
      return regex === undefined || regex.exec(value) !== null;
    };
  }
  return undefined;
}
