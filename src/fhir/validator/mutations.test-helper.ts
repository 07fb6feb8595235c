/**
 * A seeded mutation fuzzer for the compiled validator's equivalence test: small, deliberate damage
 * to valid records (the kinds of damage medplum's validator looks for, and the shapes where it is
 * lenient), reproducible from the seed alone.
 */
type Json = Record<string, unknown>;
type Slot = { parent: Json | unknown[]; key: string | number; value: unknown };

/** mulberry32: a tiny deterministic PRNG (no Math.random in tests). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

/** Every property and array item of a record, at every depth. */
function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((value, key) => {
        out.push({ parent: node, key, value });
        walk(value);
      });
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        out.push({ parent: node as Json, key, value });
        walk(value);
      }
    }
  };
  walk(root);
  return out;
}

function objects(root: Json): Json[] {
  const out: Json[] = [root];
  for (const slot of slots(root)) if (typeof slot.value === 'object' && slot.value !== null && !Array.isArray(slot.value)) out.push(slot.value as Json);
  return out;
}

/** Values of every JSON type, well- and ill-formed for the primitive types medplum checks by regex. */
const VALUES: readonly unknown[] = [
  42, 0, -1, 1.5, -0.5, 1e21, true, false, 'x', ' ', '', '  padded ', 'a\u0001b', 'two  spaces', 'tab\tin', {}, [], null, { a: 1 }, ['x'], [{}], [null],
  // date, dateTime, instant, time
  '2020', '2020-01', '2020-01-01', '2020-13-01', '2020-02-30', '0000-01-01', '2020-1-1', '2020-01-01T10:00', '2020-01-01T10:00:00', '2020-01-01T10:00:00Z',
  '2020-01-01T10:00:00.123+05:30', '2020-01-01T24:00:00Z', '2020-01-01T10:00:60Z', '2020-01-01T10:00:00+14:00', '2020-01-01T10:00:00+15:00', '2020-01-01 10:00:00Z',
  '10:00:00', '25:00:00', '10:00', '10:00:00.5',
  // id, code, uri, oid, uuid, base64Binary
  'abc-DEF.1', 'a_b', 'x'.repeat(64), 'x'.repeat(65), 'has space', ' lead', 'trail ', 'urn:oid:1.2.3', 'urn:oid:1.02', 'urn:uuid:123e4567-e89b-12d3-a456-426614174000',
  'urn:uuid:123E4567-E89B-12D3-A456-426614174000', 'http://example.org/x', 'http://exa mple.org', 'aGVsbG8=', 'aGVsbG8', 'aGVsbG8===', '!!!!',
  // decimal/integer/positiveInt/unsignedInt/boolean as strings
  '1.0', '1', 'true', 'false',
];

const UNKNOWN_KEYS = ['foo', 'valueFoo', 'Value', 'extension_', 'resourcetype', 'fhir_comments', 'status ', 'constructor', '__proto__'];

const CHOICE_EXTRAS: readonly [string, unknown][] = [
  ['String', 'x'],
  ['Boolean', true],
  ['Integer', 3],
  ['DateTime', '2020-01-01'],
  ['Quantity', { value: 1 }],
  ['CodeableConcept', { text: 'x' }],
  ['Period', { start: '2020' }],
];

const PRIMITIVE_EXTENSIONS: readonly unknown[] = ['x', [], {}, { id: 'a' }, { extension: [{ url: 'http://e', valueString: 'v' }] }, { extension: 'x' }, [null, { id: 'a' }], null, [{}], { foo: 1 }];

/** Invariant-shaped additions per resource type (R4 invariants medplum evaluates). */
const TARGETED: Record<string, readonly [string, unknown][]> = {
  Observation: [['dataAbsentReason', { text: 'x' }], ['valueString', 'x'], ['component', [{ code: { text: 'c' }, valueString: 'x' }]], ['referenceRange', [{ text: 'r' }]], ['referenceRange', [{ appliesTo: [{ text: 'a' }] }]]],
  Condition: [['abatementDateTime', '2020-01-01'], ['abatementString', 'gone'], ['clinicalStatus', { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] }], ['verificationStatus', { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] }], ['stage', [{ type: { text: 't' } }]], ['evidence', [{ detail: [{ reference: 'Observation/1' }] }]]],
  AllergyIntolerance: [['verificationStatus', { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'entered-in-error' }] }]],
  Patient: [['contact', [{ gender: 'male' }]], ['contact', [{ name: { text: 'n' } }]]],
  Organization: [['address', [{ use: 'home', city: 'x' }]], ['telecom', [{ use: 'home', value: '1' }]], ['address', [{ use: 'work', city: 'x' }]]],
  MedicationRequest: [['dosageInstruction', [{ timing: { repeat: { duration: 1 } } }]], ['dosageInstruction', [{ timing: { repeat: { duration: -1, durationUnit: 'h' } } }]], ['dosageInstruction', [{ timing: { repeat: { periodMax: 2 } } }]], ['dosageInstruction', [{ timing: { repeat: { offset: 5, when: ['AC'] } } }]], ['dosageInstruction', [{ timing: { repeat: { timeOfDay: ['10:00:00'], when: ['MORN'] } } }]]],
  Immunization: [['education', [{ presentationDate: '2020-01-01' }]]],
  Goal: [['target', [{ detailString: 'x' }]], ['target', [{ detailString: 'x', measure: { text: 'm' } }]]],
  CarePlan: [['activity', [{ detail: { status: 'completed' }, reference: { reference: 'Task/1' } }]]],
  CareTeam: [['participant', [{ onBehalfOf: { reference: 'Organization/1' } }]]],
};

/** One mutant of `base` (a clone), built from 1–3 random mutations; `donors` supply transplants. */
export function mutate(base: Json, donors: readonly Json[], next: () => number): unknown {
  let record: Json = structuredClone(base);
  const rounds = 1 + Math.floor(next() * 3);
  for (let round = 0; round < rounds; round++) record = mutateOnce(record, donors, next);
  return record;
}

function mutateOnce(record: Json, donors: readonly Json[], next: () => number): Json {
  const all = slots(record);
  const slot = all.length > 0 ? pick(next, all) : undefined;
  const target = pick(next, objects(record));
  const set = (value: unknown): void => {
    if (slot) (slot.parent as Record<string | number, unknown>)[slot.key] = value;
  };
  switch (Math.floor(next() * 16)) {
    case 0: // delete an element (required ones included)
      if (slot && !Array.isArray(slot.parent)) delete (slot.parent as Json)[slot.key as string];
      else if (slot) (slot.parent as unknown[]).splice(slot.key as number, 1);
      break;
    case 1: // an unknown property
      Object.defineProperty(target, pick(next, UNKNOWN_KEYS), { value: structuredClone(pick(next, VALUES)), enumerable: true, configurable: true, writable: true });
      break;
    case 2: // wrong JSON type / bad primitive format / empty at any depth
    case 3:
      set(structuredClone(pick(next, VALUES)));
      break;
    case 4: // array ↔ scalar
      if (slot) set(Array.isArray(slot.value) ? slot.value[0] : [slot.value]);
      break;
    case 5: {
      // a second property of a choice element
      const choiceKey = Object.keys(target).find((key) => /^[a-z]+[A-Z]/.test(key) && !['resourceType', 'valueSet'].includes(key));
      const base = choiceKey ? choiceKey.replace(/[A-Z].*$/, '') : 'value';
      const [suffix, value] = pick(next, CHOICE_EXTRAS);
      target[base + suffix] = structuredClone(value);
      break;
    }
    case 6: {
      // a `_field` primitive extension of some shape
      const key = pick(next, Object.keys(target).filter((k) => k !== 'resourceType').concat('status'));
      target[`_${key}`] = structuredClone(pick(next, PRIMITIVE_EXTENSIONS));
      break;
    }
    case 7: {
      // a contained resource: valid, without id, nested, carrying meta it may not
      const inner: Json = structuredClone(pick(next, donors));
      const variant = Math.floor(next() * 5);
      if (variant === 1) delete inner.id;
      if (variant === 2) inner.contained = [structuredClone(pick(next, donors))];
      if (variant === 3) inner.meta = { versionId: '1', lastUpdated: '2020-01-01T00:00:00Z' };
      if (variant === 4) inner.meta = { security: [{ code: 'R' }] };
      record.contained = [...((record.contained as Json[] | undefined) ?? []), mutateOnce(inner, donors, next)];
      break;
    }
    case 8: // inside a Bundle entry
      return { resourceType: 'Bundle', type: pick(next, ['collection', 'searchset', 'transaction']), entry: [{ fullUrl: 'urn:uuid:123e4567-e89b-12d3-a456-426614174000', resource: record }] };
    case 9: // a long string (the 1 MB limit itself is in a test of its own: medplum takes seconds on it)
      if (slot && typeof slot.value === 'string') set(pick(next, ['y'.repeat(5000), ' '.repeat(5000), `${'y'.repeat(3000)} ${'z'.repeat(3000)}`]));
      break;
    case 10: // another or unknown resourceType
      record.resourceType = pick(next, ['Spaceship', '', 'Observation', 'Patient', 'HumanName', 'Resource', 'DomainResource', 'Bundle', 'observation']);
      break;
    case 11:
    case 12: {
      // a transplant: a property from another record's object, in a random object here
      const donorObject = pick(next, objects(pick(next, donors)));
      const keys = Object.keys(donorObject);
      if (keys.length > 0) {
        const key = pick(next, keys);
        target[key] = structuredClone(donorObject[key]);
      }
      break;
    }
    case 13: {
      // an invariant-shaped addition for this type
      const options = TARGETED[record.resourceType as string] ?? TARGETED.Observation!;
      const [key, value] = pick(next, options);
      record[key] = structuredClone(value);
      break;
    }
    case 14: // undefined where JSON has none (objects built in code)
      set(undefined);
      break;
    default: // null in an array or a property
      if (slot) set(null);
  }
  return record;
}
