import { MEDICATIONS, type VaccineKey } from './catalog.ts';
import { WELL_CHILD_MONTHS } from './child-story.ts';
import type { PrescriptionWindow } from './clinical.ts';
import type { Random } from './random.ts';
import type { Episode, MedicationCourse, PersonStory } from './story.ts';
import { DAY, REFERENCE_TIME, addMonths, clinicTime, dateOf, yearOf } from './time.ts';

/**
 * The fixed part of a person's timeline: the visit that opens the record, story episodes, yearly
 * check-ups or well-child visits, standalone vaccinations and prescription renewals. Routine
 * follow-ups are not here; person-records.ts paces those to reach the requested size.
 */

/** No event is scheduled on or after this time, so nothing is dated on or after the reference date. */
export const HISTORY_END = REFERENCE_TIME - DAY;

export type ScheduledEvent =
  | { time: number; kind: 'establish' }
  | { time: number; kind: 'episode'; episode: Episode }
  | { time: number; kind: 'prescription'; course: MedicationCourse; window: PrescriptionWindow }
  | { time: number; kind: 'check-up' }
  | { time: number; kind: 'well-child'; months: number }
  | { time: number; kind: 'vaccine'; vaccine: VaccineKey };

/**
 * Every prescription a course produces, in order. Chronic medicines are renewed yearly; only the last
 * renewal can be active, earlier ones are completed, and a course that ends was stopped (replaced by
 * the course that starts when it ends, or discontinued).
 */
function prescriptionWindows(course: MedicationCourse, story: PersonStory, historyStart: number, random: Random): PrescriptionWindow[] {
  if (course.kind === 'short') {
    const end = course.start + (course.days ?? 7) * DAY;
    if (course.start < historyStart) return [];
    return [{ authoredAt: course.start, start: course.start, end, status: end < REFERENCE_TIME ? 'completed' : 'active' }];
  }
  if (course.kind === 'seasonal') {
    const windows: PrescriptionWindow[] = [];
    for (let year = yearOf(Math.max(course.start, historyStart)); year < yearOf(REFERENCE_TIME); year++) {
      const start = clinicTime(dateOf(year, 3, 8) + random.int(0, 14) * DAY, random.int(0, 35));
      if (start < historyStart || start < course.start) continue;
      windows.push({ authoredAt: start, start, end: start + (course.days ?? 90) * DAY, status: 'completed' });
    }
    return windows;
  }
  const stop = Math.min(course.end ?? HISTORY_END, HISTORY_END);
  const first = Math.max(course.start, historyStart);
  const windows: PrescriptionWindow[] = [];
  for (let time = first; time < stop; time = addMonths(time, 12)) {
    windows.push({ authoredAt: time, start: time, end: Math.min(addMonths(time, 12), stop), status: 'completed' });
  }
  const last = windows[windows.length - 1];
  if (last && course.end === undefined) {
    last.status = 'active';
    last.end = addMonths(last.start, 12);
  } else if (last && course.end !== undefined && course.end < REFERENCE_TIME) {
    const successor = story.courses.find((other) => other.start === course.end && other.reason === course.reason && other.id !== course.id);
    last.status = 'stopped';
    last.stopReason = successor ? `Replaced by ${MEDICATIONS[successor.medication].text}` : 'Discontinued by prescriber';
  }
  return windows;
}

export interface Schedule {
  events: ScheduledEvent[];
  /** First prescription of each course that a visit (episode or first visit) writes. */
  firstWindows: Map<string, PrescriptionWindow>;
}

export function buildSchedule(story: PersonStory, birth: number, historyStart: number, random: Random): Schedule {
  const events: ScheduledEvent[] = [{ time: historyStart, kind: 'establish' }];
  const firstWindows = new Map<string, PrescriptionWindow>();
  const startedByEpisode = new Set<string>();
  for (const episode of story.episodes) {
    if (episode.time < historyStart || episode.time >= HISTORY_END) continue;
    events.push({ time: episode.time, kind: 'episode', episode });
    for (const id of episode.starts ?? []) startedByEpisode.add(id);
  }
  for (const course of story.courses) {
    const windows = prescriptionWindows(course, story, historyStart, random);
    windows.forEach((window, index) => {
      const writtenAtVisit = index === 0 && course.kind !== 'seasonal' && (course.start < historyStart || startedByEpisode.has(course.id));
      if (writtenAtVisit) firstWindows.set(course.id, window);
      else if (window.authoredAt < HISTORY_END) events.push({ time: window.authoredAt, kind: 'prescription', course, window });
    });
  }
  if (story.profile === 'child') {
    for (const months of WELL_CHILD_MONTHS) {
      const time = clinicTime(addMonths(birth, months) + random.int(0, 12) * DAY, random.int(0, 35));
      if (time > historyStart && time < HISTORY_END) events.push({ time, kind: 'well-child', months });
    }
  } else {
    for (let time = addMonths(historyStart, random.between(9, 13)); time < HISTORY_END; time = addMonths(time, random.between(11, 13))) {
      events.push({ time: clinicTime(time, random.int(0, 35)), kind: 'check-up' });
    }
  }
  for (const shot of story.vaccines) {
    if (shot.time > historyStart && shot.time < HISTORY_END) events.push({ time: shot.time, kind: 'vaccine', vaccine: shot.vaccine });
  }
  // Array.prototype.sort is stable, so same-time events keep their (deterministic) insertion order.
  events.sort((left, right) => left.time - right.time);
  return { events, firstWindows };
}

