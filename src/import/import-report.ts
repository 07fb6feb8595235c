import type { ItemLocation } from './readers/index.ts';

export interface TypeCounts {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export interface ImportProblem {
  file: string;
  line?: number;
  entry?: number;
  expression?: string;
  message: string;
}

export interface ImportReport {
  importId: string;
  personId: string;
  resumed: boolean;
  files: number;
  byType: Record<string, TypeCounts>;
  errors: ImportProblem[];
  /** All errors, also those past the `errors` list's cap. */
  errorCount: number;
  warnings: ImportProblem[];
  rejectedFiles: string[];
  unresolvedReferences: number;
  seconds: number;
}

const MAX_LISTED_PROBLEMS = 1000;

/** Accumulates an import's counts and problems; the list of problems is capped, the counts are not. */
export function importReportBuilder(personId: string) {
  const byType: Record<string, TypeCounts> = {};
  const errors: ImportProblem[] = [];
  const warnings: ImportProblem[] = [];
  const rejectedFiles: string[] = [];
  let errorCount = 0;
  const counts = (type: string) => (byType[type] ??= { created: 0, updated: 0, unchanged: 0, failed: 0 });
  const problem = (location: ItemLocation, message: string, expression?: string): ImportProblem => ({
    file: location.file,
    ...(location.line !== undefined ? { line: location.line } : {}),
    ...(location.entry !== undefined ? { entry: location.entry } : {}),
    ...(expression ? { expression } : {}),
    message,
  });
  return {
    counted(type: string, outcome: 'created' | 'updated' | 'unchanged'): void {
      counts(type)[outcome]++;
    },
    failed(location: ItemLocation, message: string, type?: string, expression?: string): void {
      if (type) counts(type).failed++;
      errorCount++;
      if (errors.length < MAX_LISTED_PROBLEMS) errors.push(problem(location, message, expression));
    },
    warned(location: ItemLocation, message: string): void {
      if (warnings.length < MAX_LISTED_PROBLEMS) warnings.push(problem(location, message));
    },
    rejectedFile(file: string): void {
      rejectedFiles.push(file);
    },
    get errorCount() {
      return errorCount;
    },
    build(fields: { importId: string; resumed: boolean; files: number; unresolvedReferences: number; seconds: number }): ImportReport {
      return { ...fields, personId, byType, errors, errorCount, warnings, rejectedFiles };
    },
  };
}

export type ImportReportBuilder = ReturnType<typeof importReportBuilder>;

/** `file:line`, `file#entry` or `file`: how problems and provenance name a place in the input. */
export function describeLocation(location: ItemLocation): string {
  if (location.line !== undefined) return `${location.file}:${location.line}`;
  if (location.entry !== undefined) return `${location.file}#${location.entry}`;
  return location.file;
}

/** `file:line expression`, `file entry 3`: how a reported problem names its place, for people. */
export function describeProblemPlace(problem: ImportProblem): string {
  const place = problem.line !== undefined ? `:${problem.line}` : problem.entry !== undefined ? ` entry ${problem.entry}` : '';
  return `${problem.file}${place}${problem.expression ? ` ${problem.expression}` : ''}`;
}
