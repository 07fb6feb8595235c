import { Autocomplete, Group, Text, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { get, seg } from '../api.ts';
import type { Coded } from './build.ts';

interface CodeEntry {
  system: string;
  code: string;
  display: string;
  unit?: string;
}

const SYSTEM_NAMES: Record<string, string> = {
  'http://loinc.org': 'LOINC',
  'http://snomed.info/sct': 'SNOMED CT',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://hl7.org/fhir/sid/cvx': 'CVX',
};
const labelOf = (entry: CodeEntry) => `${entry.display} (${entry.code})`;

/**
 * Free text with suggestions from a shipped code subset (GET /api/codes/:subset). Choosing a
 * suggestion attaches its code; typing anything else keeps the text and drops the code.
 */
export function CodePicker({ label, subset, kind, value, onChange, required }: { label: string; subset: string; kind?: string | undefined; value: Coded; onChange: (value: Coded, unit?: string) => void; required?: boolean }) {
  const [options, setOptions] = useState<CodeEntry[]>([]);
  const [query] = useDebouncedValue(value.code ? '' : value.text, 200);
  useEffect(() => {
    let live = true;
    const params = new URLSearchParams({ q: query, limit: '15', ...(kind ? { kind } : {}) });
    get<{ codes: CodeEntry[] }>(`/api/codes/${seg(subset)}?${params.toString()}`).then(
      (answer) => live && setOptions(answer.codes),
      () => live && setOptions([]),
    );
    return () => {
      live = false;
    };
  }, [subset, kind, query]);

  const shown = value.code ? value.display ?? value.text : value.text;
  return (
    <div>
      <Autocomplete
        label={label}
        required={required}
        description="Pick a suggestion to add its code, or type any name."
        value={shown}
        data={[...new Set(options.map(labelOf))]}
        filter={({ options: all }) => all}
        limit={15}
        onChange={(text) => {
          const picked = options.find((entry) => labelOf(entry) === text);
          if (picked) onChange({ text: picked.display, system: picked.system, code: picked.code, display: picked.display }, picked.unit);
          else onChange({ text });
        }}
      />
      {value.code && (
        <Group gap="xs" mt={4}>
          <Text size="xs" c="dimmed" data-testid="picked-code">
            {SYSTEM_NAMES[value.system ?? ''] ?? value.system} {value.code}
          </Text>
          <UnstyledButton fz="xs" td="underline" onClick={() => onChange({ text: value.text })}>
            Remove the code
          </UnstyledButton>
        </Group>
      )}
    </div>
  );
}
