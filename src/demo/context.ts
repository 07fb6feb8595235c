import type { Condition, Patient, Reference } from '@medplum/fhirtypes';
import type { CareTeam } from './care-team.ts';
import type { ConditionKey } from './catalog.ts';
import type { DemoPersonPlan } from './family.ts';
import type { Sex } from './lab-catalog.ts';
import type { Random } from './random.ts';
import type { MedicationCourse, PersonStory } from './story.ts';

/** What every resource builder needs to know about the person whose stream it is writing. */
export interface PersonContext {
  plan: DemoPersonPlan;
  random: Random;
  birth: number;
  sex: Sex;
  patient: Reference<Patient>;
  team: CareTeam;
  story: PersonStory;
  /** Conditions already yielded in this stream, so later resources can point at them. */
  conditionRefs: Map<ConditionKey, Reference<Condition>>;
  courses: Map<string, MedicationCourse>;
}
