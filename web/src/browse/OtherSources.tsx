import { Alert, List } from '@mantine/core';
import { get, seg } from '../api.ts';
import { summarise, type Json } from '../fhir/summarise.ts';
import { Link } from '../router.tsx';
import { useLoad } from '../ui.tsx';

const MATCHED = new Set(['Observation', 'Condition', 'MedicationRequest', 'MedicationStatement', 'Immunization']);

/** "Also recorded by…": the same fact from other sources (server rule: src/records/same-fact.ts); both records are kept. */
export function OtherSources({ pid, type, id }: { pid: string; type: string; id: string }) {
  const url = MATCHED.has(type) ? `/api/people/${seg(pid)}/same-facts/${seg(type)}/${seg(id)}` : null;
  const twins = useLoad(url, () => get<{ records: { resource: Json; source: { label: string } | null }[] }>(url!));
  const records = twins.data?.records ?? [];
  if (records.length === 0) return null;
  return (
    <Alert color="teal" variant="light" title={`${records.length + 1} sources hold this record`} data-testid="other-sources">
      <List size="sm">
        {records.map(({ resource, source }) => (
          <List.Item key={String(resource.id)}>
            {source?.label ?? 'Unknown source'}:{' '}
            <Link to={`/people/${seg(pid)}/records/${seg(type)}/${seg(String(resource.id))}`}>{summarise(resource)}</Link>
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}
