import { Random, hashSeed } from './random.ts';
import { DAY, REFERENCE_TIME, addYears, formatDate } from './time.ts';

/** One member of the demo family: who they are, not yet their records. */
export interface DemoPersonPlan {
  /** Stable role key within the family ('parent-1', 'parent-2', 'child', 'grandparent'). */
  key: string;
  /** Display name, "Given Family". */
  name: string;
  given: string;
  family: string;
  gender: 'male' | 'female';
  /** YYYY-MM-DD */
  birthDate: string;
}

const FAMILY_NAMES = [
  'Alvarez', 'Bennett', 'Castillo', 'Donovan', 'Ellison', 'Fairbanks', 'Gallagher', 'Harrington', 'Iverson', 'Jimenez',
  'Kowalski', 'Lindqvist', 'Marlowe', 'Nakamura', 'Okafor', 'Petrov', 'Quinlan', 'Ramirez', 'Sorensen', 'Thornton',
  'Underwood', 'Vasquez', 'Whitaker', 'Yamada', 'Zielinski',
] as const;

const ADULT_GIVEN = {
  male: ['Daniel', 'Marcus', 'Andrew', 'Jonathan', 'Rafael', 'Kevin', 'Samuel', 'Derek', 'Omar', 'Patrick', 'Tobias', 'Victor'],
  female: ['Laura', 'Natalie', 'Priya', 'Rebecca', 'Sofia', 'Melissa', 'Hannah', 'Claire', 'Amara', 'Julia', 'Vanessa', 'Elena'],
} as const;

const CHILD_GIVEN = {
  male: ['Leo', 'Mateo', 'Owen', 'Elijah', 'Kai', 'Julian', 'Miles', 'Ezra'],
  female: ['Maya', 'Ava', 'Chloe', 'Isla', 'Nora', 'Zoe', 'Lucia', 'Hazel'],
} as const;

const ELDER_GIVEN = {
  male: ['Harold', 'Walter', 'Eugene', 'Raymond', 'Gerald', 'Frank', 'Leonard', 'Arthur'],
  female: ['Dorothy', 'Margaret', 'Evelyn', 'Ruth', 'Gloria', 'Shirley', 'Beatrice', 'Irene'],
} as const;

/** Birth date for someone aged `years` (plus a random part of a year) on the reference date. */
function birthDateAt(random: Random, years: number): string {
  const birth = addYears(REFERENCE_TIME, -years) - random.int(1, 364) * DAY;
  return formatDate(birth);
}

function other(gender: 'male' | 'female'): 'male' | 'female' {
  return gender === 'male' ? 'female' : 'male';
}

function person(key: string, given: string, family: string, gender: 'male' | 'female', birthDate: string): DemoPersonPlan {
  return { key, name: `${given} ${family}`, given, family, gender, birthDate };
}

/**
 * A household of four: two parents in their early forties, a child about ten and a grandparent about
 * seventy-five. Everything is chosen from the seed; ages are measured against the fixed reference
 * date, never the clock, so the same seed always yields the same family.
 */
export function demoFamily(seed: number): DemoPersonPlan[] {
  const random = new Random(hashSeed('hearth-demo-family', seed));
  const family = random.pick(FAMILY_NAMES);
  const firstGender = random.chance(0.5) ? 'male' : 'female';
  const secondGender = other(firstGender);
  const childGender = random.chance(0.5) ? 'male' : 'female';
  const elderGender = random.chance(0.5) ? 'male' : 'female';

  const first = person('parent-1', random.pick(ADULT_GIVEN[firstGender]), family, firstGender, birthDateAt(random, random.int(42, 45)));
  const secondGiven = random.pick(ADULT_GIVEN[secondGender]);
  const second = person('parent-2', secondGiven, family, secondGender, birthDateAt(random, random.int(39, 43)));
  const child = person('child', random.pick(CHILD_GIVEN[childGender]), family, childGender, birthDateAt(random, random.int(9, 10)));
  // The grandparent is the first parent's parent, and so shares the family name.
  const elder = person('grandparent', random.pick(ELDER_GIVEN[elderGender]), family, elderGender, birthDateAt(random, random.int(73, 77)));
  return [first, second, child, elder];
}
