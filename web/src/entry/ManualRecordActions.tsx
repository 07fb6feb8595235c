import { Alert, Badge, Button, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { del, seg } from '../api.ts';
import { navigate } from '../router.tsx';
import { usePerson } from '../session.tsx';
import { ErrorNote } from '../ui.tsx';
import { kindOf } from './build.ts';

interface LatestVersion {
  source: { kind: string; label: string } | null;
  origin: string | null;
}

/**
 * On a record's page: who entered it and Edit / Delete when it was entered by hand (and the account
 * may write); otherwise why it cannot be changed. The FHIR API enforces the same (write-service.ts:
 * imported records are read-only); this only says so before anyone tries.
 */
export function ManualRecordActions({ pid, type, id, record, latest }: { pid: string; type: string; id: string; record: unknown; latest: LatestVersion | undefined }) {
  const person = usePerson(pid);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!latest) return null;
  const canWrite = person?.actions.includes('write') ?? false;
  if (latest.source?.kind !== 'manual') {
    return (
      <Text size="sm" c="dimmed" data-testid="read-only-note">
        Read-only: this record came from {latest.source?.label ?? 'an import'}. What a provider or a file sent is kept as it was sent; add a
        record by hand to correct or add to it.
      </Text>
    );
  }
  const remove = async () => {
    try {
      await del(`/fhir/${seg(pid)}/${seg(type)}/${seg(id)}`);
      navigate(`/people/${seg(pid)}/records/${seg(type)}`);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Badge variant="filled">Entered by hand</Badge>
        {latest.origin && <Text size="sm">{latest.origin}</Text>}
        {canWrite && kindOf(record) && (
          <Button size="compact-sm" variant="default" onClick={() => navigate(`/people/${seg(pid)}/records/${seg(type)}/${seg(id)}/edit`)}>
            Edit
          </Button>
        )}
        {canWrite && !confirming && (
          <Button size="compact-sm" variant="default" color="red" onClick={() => setConfirming(true)}>
            Delete
          </Button>
        )}
      </Group>
      {confirming && (
        <Alert color="red" title="Delete this record?" role="alertdialog">
          <Text size="sm" mb="xs">
            It disappears from the records; its earlier versions stay in the history.
          </Text>
          <Group gap="xs">
            <Button size="compact-sm" color="red" onClick={() => void remove()}>
              Yes, delete it
            </Button>
            <Button size="compact-sm" variant="default" onClick={() => setConfirming(false)}>
              Keep it
            </Button>
          </Group>
        </Alert>
      )}
      <ErrorNote error={error} title="The record was not deleted" />
    </Stack>
  );
}


