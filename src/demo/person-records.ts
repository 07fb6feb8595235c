import type { Resource } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';
import { cardiometabolicStory, thyroidStory } from './adult-stories.ts';
import { buildCareTeam } from './care-team.ts';
import { childStory } from './child-story.ts';
import { immunizationResource, medicationRequestResource } from './clinical.ts';
import type { PersonContext } from './context.ts';
import { elderStory } from './elder-story.ts';
import type { DemoPersonPlan } from './family.ts';
import { clamp } from './fhir-shapes.ts';
import { patientResource } from './patient.ts';
import { Random, hashSeed } from './random.ts';
import { HISTORY_END, buildSchedule, type ScheduledEvent } from './schedule.ts';
import { profileFor, type PersonStory, type Profile, type StoryInput } from './story.ts';
import { DAY, HOUR, MINUTE, REFERENCE_DATE, REFERENCE_TIME, YEAR, clinicTime, parseDate } from './time.ts';
import { checkUpSpec, episodeSpec, establishSpec, routineSpec, wellChildSpec, type TimelineState } from './visit-plans.ts';
import { visitResources } from './visits.ts';

/**
 * Streams one person's record: Patient, then the care team, then visits in date order. Memory stays
 * flat whatever the size: only the story, the fixed schedule (a few hundred small events) and the
 * current visit are held. Routine visits are paced so the stream ends near the target: each time one
 * is placed, the remaining budget (target minus what was produced, minus what the fixed events still
 * need, estimated from their running average) is spread over the remaining time.
 */

export interface GenerateOptions {
  seed: number;
  /** Approximate number of resources to produce; default is a realistic 500-1500 per person. */
  targetResources?: number;
}

const STORIES: Record<Profile, (input: StoryInput) => PersonStory> = {
  cardiometabolic: cardiometabolicStory,
  thyroid: thyroidStory,
  child: childStory,
  elder: elderStory,
};

function scheduledBatch(state: TimelineState, event: ScheduledEvent): Resource[] {
  const ctx = state.ctx;
  const clinician = ctx.story.profile === 'child' ? ctx.team.pediatrician : ctx.team.familyPhysician;
  switch (event.kind) {
    case 'establish': return visitResources(ctx, establishSpec(state));
    case 'episode': return visitResources(ctx, episodeSpec(state, event.episode));
    case 'check-up': return visitResources(ctx, checkUpSpec(state, event.time));
    case 'well-child': return visitResources(ctx, wellChildSpec(state, event.time, event.months));
    // Renewals and flu shots happen without a visit of their own (portal refill, pharmacy clinic).
    case 'prescription': return [medicationRequestResource(ctx, event.course, event.window, clinician)];
    case 'vaccine': return [immunizationResource(ctx, event.vaccine, event.time, clinician)];
  }
}

function* personTimeline(person: DemoPersonPlan, seed: number, target: number | undefined): Generator<Resource[]> {
  const birth = parseDate(person.birthDate);
  const random = new Random(hashSeed('hearth-demo-person', seed, person.key, person.birthDate));
  const patientId = random.uuid();
  const team = buildCareTeam(seed);
  const profile = profileFor(person, birth, (hashSeed('hearth-demo-profile', seed, person.key) & 1) === 1);
  const story = STORIES[profile]({ plan: person, birth, random: random.fork('story') });

  // Larger targets first stretch the years covered, then make visits denser and lab-heavier.
  const total = target ?? story.defaultTarget;
  const years = Math.min(story.maxYears, story.defaultYears * Math.max(1, Math.sqrt(total / story.defaultTarget)));
  const historyStart = profile === 'child'
    ? clinicTime(birth + 2 * DAY, random.int(0, 35))
    : clinicTime(Math.max(birth + 18 * YEAR, REFERENCE_TIME - years * YEAR) + random.int(0, 90) * DAY, random.int(0, 35));
  const labIntensity = clamp((total / Math.max(1, years) - 150) / 900, 0, 1);

  const ctx: PersonContext = {
    plan: person,
    random,
    birth,
    sex: person.gender,
    patient: { reference: `Patient/${patientId}`, display: person.name },
    team,
    story,
    conditionRefs: new Map(),
    courses: new Map(story.courses.map((course) => [course.id, course])),
  };
  const schedule = buildSchedule(story, birth, historyStart, random.fork('schedule'));
  const diagnosedLater = new Set(schedule.events.flatMap((event) => (event.kind === 'episode' ? event.episode.diagnoses ?? [] : [])));
  const undiagnosed = story.conditions.filter((condition) => !diagnosedLater.has(condition.key));
  const state: TimelineState = {
    ctx,
    historyStart,
    labIntensity,
    firstWindows: schedule.firstWindows,
    openingConditions: undiagnosed.filter((condition) => condition.onset < historyStart),
    pendingConditions: undiagnosed.filter((condition) => condition.onset >= historyStart),
    pendingAllergies: story.allergies.filter((allergy) => allergy.onset >= historyStart).sort((left, right) => left.onset - right.onset),
  };

  const opening: Resource[] = [patientResource(person, seed, patientId, team), ...team.all];
  yield opening;

  const events = schedule.events;
  const pace = random.fork('pace');
  const routineGuess = profile === 'child' ? 10 : 12 + 30 * labIntensity;
  let produced = opening.length;
  let next = 0;
  let now = historyStart;
  let scheduledCount = 0;
  let scheduledSize = 0;
  let routineCount = 0;
  let routineSize = 0;

  const planRoutine = (): number => {
    const perScheduled = scheduledCount > 0 ? scheduledSize / scheduledCount : 10;
    const perRoutine = routineCount > 0 ? routineSize / routineCount : routineGuess;
    const budget = total - produced - (events.length - next) * perScheduled;
    // An explicit target is met even by overshooting one visit (the caller trims); the default need not be.
    if (budget <= (target === undefined ? perRoutine / 2 : 0)) return Infinity;
    const span = HISTORY_END - now;
    if (span <= HOUR) return Infinity;
    const interval = span / Math.max(1, Math.round(budget / perRoutine));
    let time = now + interval * pace.between(0.5, 1.5);
    if (time >= HISTORY_END) time = now + span * pace.between(0.3, 0.9);
    if (interval >= 2 * DAY) time = clinicTime(time, pace.int(0, 35));
    return time > now ? time : now + 30 * MINUTE;
  };

  // A routine visit a few days before a booked one would be folded into it in real life.
  const crowdsBookedVisit = (time: number): boolean => {
    for (let index = next; index < events.length && events[index]!.time < time + 4 * DAY; index++) {
      const kind = events[index]!.kind;
      if (kind === 'check-up' || kind === 'well-child' || kind === 'episode') return true;
    }
    return false;
  };

  let lastRoutine = historyStart;
  let routineAt = planRoutine();
  for (;;) {
    const event = events[next];
    if (event === undefined && routineAt === Infinity) return;
    let batch: Resource[];
    if (event !== undefined && event.time <= routineAt) {
      next++;
      batch = scheduledBatch(state, event);
      scheduledCount++;
      scheduledSize += batch.length;
      now = Math.max(now, event.time);
      produced += batch.length;
      if (routineAt === Infinity) routineAt = planRoutine();
    } else if (routineAt - lastRoutine > 21 * DAY && crowdsBookedVisit(routineAt)) {
      now = routineAt;
      lastRoutine = routineAt;
      routineAt = planRoutine();
      continue;
    } else {
      lastRoutine = routineAt;
      batch = visitResources(ctx, routineSpec(state, routineAt));
      routineCount++;
      routineSize += batch.length;
      now = routineAt;
      produced += batch.length;
      routineAt = planRoutine();
    }
    yield batch;
  }
}

/**
 * Yields the person's resources one by one: Patient first, then shared Organizations and
 * Practitioners, then the history in date order. Every reference points to a resource yielded
 * earlier in the same stream. With `targetResources` the stream stops within a few percent of it
 * (at a visit boundary when that is close enough, otherwise exactly at the target).
 */
export function* generatePersonRecords(person: DemoPersonPlan, options: GenerateOptions): Generator<Resource> {
  const target = options.targetResources;
  if (target !== undefined && (!Number.isFinite(target) || target < 1)) {
    throw new HearthError('invalid', `targetResources must be a positive number, got ${target}`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(person.birthDate) || person.birthDate >= REFERENCE_DATE) {
    throw new HearthError('invalid', `birthDate must be a YYYY-MM-DD date before ${REFERENCE_DATE}, got ${person.birthDate}`);
  }
  let emitted = 0;
  for (const batch of personTimeline(person, options.seed, target === undefined ? undefined : Math.floor(target))) {
    if (target !== undefined && emitted + batch.length > target) {
      if (emitted >= target * 0.98) return;
      yield* batch.slice(0, Math.floor(target) - emitted);
      return;
    }
    yield* batch;
    emitted += batch.length;
  }
}
