// The shapes of the server's health routes (src/health/*.ts); the web app has its own copy because it
// is type-checked apart from the server (web/tsconfig.json).
export type Flag = 'high' | 'low' | 'abnormal' | 'critical';

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
  value2?: number;
}

export interface Trend {
  key: string;
  name: string;
  unit: string;
  points: TrendPoint[];
}

export interface DueStatus {
  key: string;
  name: string;
  rule: string;
  status: 'due' | 'up-to-date';
  dosesGiven: number;
  dosesNeeded?: number;
  lastGiven?: string;
  nextDue?: string;
}

export interface Dashboard {
  allergies: (Item & { criticality?: string; reactions: string[] })[];
  problems: Item[];
  medications: Item[];
  recentLabs: (Item & { loinc?: string })[];
  trends: Trend[];
  immunisations: { given: Item[]; due: DueStatus[] };
  visits: Item[];
  sources: { sourceId: string; label: string; lastImport: { startedAt: string; finishedAt: string | null; status: string }; failed: boolean }[];
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
  next: string | null;
  years?: { year: number; count: number }[];
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
  value: number;
  low?: number;
  high?: number;
  flag?: Flag;
  reported?: string;
  sourceId?: string;
}

export interface LabTestDetail {
  loinc: string;
  name: string;
  panel: { key: string; name: string };
  series: { unit: string; points: LabPoint[] }[];
  other: { id: string; date?: string; value?: string; flag?: Flag; sourceId?: string }[];
  sources: Record<string, string>;
}
