// A generic, readable view of any FHIR element tree: data types are recognised by shape (R4 §2.24
// data types) — CodeableConcept, Coding, Quantity, Period, Reference, HumanName, Attachment — and
// everything else becomes a nested list of labelled fields. Narrative XHTML is never rendered as HTML.
import { Box, List, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from '../router.tsx';
import { formatDate } from '../format.ts';
import { conceptText, humanName, periodText, quantityText, type Json } from './summarise.ts';

const SKIP = new Set(['resourceType', 'id', 'meta', 'text', 'contained']);
const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;
/** A literal relative reference, "Type/id" (R4 §2.3.0.3 Reference.reference). */
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

const isObject = (value: unknown): value is Json => Boolean(value) && typeof value === 'object' && !Array.isArray(value);

/** "effectiveDateTime" → "Effective date time". */
export const label = (key: string) => {
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

function Reference({ value, pid }: { value: Json; pid: string }) {
  const reference = typeof value.reference === 'string' ? value.reference : undefined;
  const display = typeof value.display === 'string' ? value.display : undefined;
  const literal = reference ? RELATIVE.exec(reference) : null;
  if (literal) {
    return (
      <Link to={`/people/${encodeURIComponent(pid)}/records/${literal[1]}/${encodeURIComponent(literal[2]!)}`} title={reference}>
        {display ?? `${literal[1]} ${literal[2]!.length > 12 ? `${literal[2]!.slice(0, 8)}…` : literal[2]}`}
      </Link>
    );
  }
  return <Text span>{display ?? reference ?? conceptText(value.identifier) ?? '(reference)'}</Text>;
}

/** One value, by shape. */
export function FhirValue({ value, pid, depth = 0 }: { value: unknown; pid: string; depth?: number }): ReactNode {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return DATE.test(value) ? formatDate(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
  if (Array.isArray(value)) {
    if (value.length === 1) return <FhirValue value={value[0]} pid={pid} depth={depth} />;
    return (
      <List size="sm" spacing={2}>
        {value.map((item, index) => (
          <List.Item key={index}>
            <FhirValue value={item} pid={pid} depth={depth} />
          </List.Item>
        ))}
      </List>
    );
  }
  if (!isObject(value)) return null;
  if (typeof value.reference === 'string' || (value.display !== undefined && Object.keys(value).every((k) => ['display', 'type', 'identifier'].includes(k)))) {
    return <Reference value={value} pid={pid} />;
  }
  if (Array.isArray(value.coding) || (typeof value.text === 'string' && Object.keys(value).length === 1)) return conceptText(value) ?? '';
  if (typeof value.system === 'string' && typeof value.code === 'string' && Object.keys(value).every((k) => ['system', 'code', 'display', 'version', 'userSelected'].includes(k))) {
    return typeof value.display === 'string' ? `${value.display} (${value.code})` : value.code;
  }
  if (typeof value.value === 'number' && ('unit' in value || 'code' in value || 'system' in value)) return quantityText(value) ?? '';
  if ((typeof value.start === 'string' || typeof value.end === 'string') && Object.keys(value).every((k) => k === 'start' || k === 'end')) return periodText(value) ?? '';
  if (typeof value.family === 'string' || Array.isArray(value.given)) return humanName(value) ?? '';
  if (typeof value.contentType === 'string' && ('data' in value || 'url' in value)) {
    const size = typeof value.data === 'string' ? ` · ${Math.round((value.data.length * 3) / 4)} bytes` : '';
    return `Attachment (${value.contentType}${size})`;
  }
  return <FhirElements value={value} pid={pid} depth={depth + 1} />;
}

/** The fields of a resource or complex element as a two-column table. */
export function FhirElements({ value, pid, depth = 0 }: { value: Json; pid: string; depth?: number }) {
  const keys = Object.keys(value).filter((key) => !(depth === 0 && SKIP.has(key)) && !key.startsWith('_'));
  if (depth > 6) return <Text size="sm">…</Text>;
  return (
    <Box style={{ overflowX: 'auto' }}>
      <Table withRowBorders={depth === 0} verticalSpacing={4} layout="fixed">
        <Table.Tbody>
          {keys.map((key) => (
            <Table.Tr key={key}>
              <Table.Th w={depth === 0 ? '30%' : '35%'} style={{ verticalAlign: 'top', fontWeight: 500 }}>
                <Text size="sm" c="dimmed">
                  {label(key)}
                </Text>
              </Table.Th>
              <Table.Td style={{ wordBreak: 'break-word' }}>
                <Text size="sm" component="div">
                  <FhirValue value={value[key]} pid={pid} depth={depth} />
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Box>
  );
}
