/**
 * The shapes the health routes answer with (dashboard, timeline, lab results). Types only, with no
 * imports, so the web app (type-checked apart, web/tsconfig.json) uses these very declarations
 * instead of a copy that could drift.
 */

export type Flag = 'high' | 'low' | 'abnormal' | 'critical';

export interface DueStatus {
  key: string;
  name: string;
  rule: string;
  status: 'due' | 'up-to-date';
  dosesGiven: number;
  /** Series: doses of the series. */
  dosesNeeded?: number;
  lastGiven?: string;
  /** Repeating vaccines: when the next one is typically due (YYYY-MM-DD). */
  nextDue?: string;
}

export interface Item {
  type: string;
  id: string;
  label: string;
  date?: string;
  detail?: string;
  flag?: Flag;
  sourceId?: string;
}

export interface TrendPoint {
  date: string;
  value: number;
  /** Diastolic, for blood pressure. */
  value2?: number;
}

export interface Trend {
  key: string;
  name: string;
  unit: string;
  points: TrendPoint[];
}

export interface SourceStatus {
  sourceId: string;
  label: string;
  lastImport: { startedAt: string; finishedAt: string | null; status: string };
  /** The latest import failed: its records may be incomplete. */
  failed: boolean;
}

export interface Dashboard {
  allergies: (Item & { criticality?: string; reactions: string[] })[];
  problems: Item[];
  medications: Item[];
  recentLabs: (Item & { loinc?: string })[];
  trends: Trend[];
  immunisations: { given: Item[]; due: DueStatus[] };
  visits: Item[];
  sources: SourceStatus[];
}

export interface TimelineItem {
  type: string;
  id: string;
  label: string;
  date?: string;
  value?: string;
  flag?: Flag;
}

export interface TimelineVisit {
  id: string;
  date?: string;
  label: string;
  kind?: string;
  where?: string;
  sourceId?: string;
  items: TimelineItem[];
}

export interface TimelinePage {
  visits: TimelineVisit[];
  /** Pass as `cursor` for the next page; null at the end. */
  next: string | null;
  /** Visits per year (first page only): the "jump to a year" choices. */
  years?: { year: number; count: number }[];
  /** Sources of the person's visits (first page only): the source filter's choices. */
  sources?: { id: string; label: string }[];
}

export interface LabTestSummary {
  loinc: string;
  name: string;
  count: number;
  latest?: { date?: string; value?: string; flag?: Flag };
}

export interface LabOverview {
  panels: { key: string; name: string; tests: LabTestSummary[] }[];
}

export interface LabPoint {
  id: string;
  date?: string;
  /** In the series' unit (converted with UCUM when the result was in another commensurable unit). */
  value: number;
  low?: number;
  high?: number;
  flag?: Flag;
  /** The value as the source reported it, when converted. */
  reported?: string;
  sourceId?: string;
}

export interface LabSeries {
  unit: string;
  points: LabPoint[];
}

export interface LabTestDetail {
  loinc: string;
  name: string;
  panel: { key: string; name: string };
  /** How many results of this test the vault holds (the overview's count): more than series and other hold when the answer was limited. */
  total: number;
  /** One series per unit that cannot be converted into another (e.g. mg/dL and mmol/L of glucose). */
  series: LabSeries[];
  /** Results without a numeric value (text, coded). */
  other: { id: string; date?: string; value?: string; flag?: Flag; sourceId?: string }[];
  /** The label of each source the results come from (shown side by side). */
  sources: Record<string, string>;
}
