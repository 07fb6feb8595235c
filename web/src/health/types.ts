// The shapes of the server's health routes: the server's own declarations (types only, erased in
// the bundle), so the two cannot drift apart.
export type {
  Dashboard,
  DueStatus,
  Flag,
  Item,
  LabOverview,
  LabPoint,
  LabTestDetail,
  LabTestSummary,
  TimelineItem,
  TimelinePage,
  TimelineVisit,
  Trend,
  TrendPoint,
} from '../../../src/health/health-types.ts';
