import { Badge, Button, Card, Group, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import { useHearth } from '../session.tsx';
import { Empty, ErrorNote, useAction } from '../ui.tsx';

/** The people this account may see, and (owner) adding a person. */
export function HomePage() {
  const { session } = useHearth();
  return (
    <Stack maw={900}>
      <Title order={1} size="h2">
        People
      </Title>
      {session.people.length === 0 ? (
        <Empty>{session.account.isOwner ? 'No people yet. Add the first person whose records Hearth should keep.' : 'Nobody has shared records with this account yet.'}</Empty>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
          {session.people.map((person) => (
            <Card withBorder key={person.id}>
              <Group justify="space-between" wrap="nowrap">
                <Link to={`/people/${encodeURIComponent(person.id)}/records`} fw={600}>
                  {person.name}
                </Link>
                <Badge variant="outline">{person.role}</Badge>
              </Group>
            </Card>
          ))}
        </SimpleGrid>
      )}
      {session.account.isOwner && <AddPerson />}
    </Stack>
  );
}

export function AddPerson() {
  const { refresh } = useHearth();
  const [name, setName] = useState('');
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const { person } = await post<{ person: { id: string; name: string } }>('/api/people', { name: name.trim() });
      await refresh();
      navigate(`/people/${encodeURIComponent(person.id)}/records`);
    });
  };
  return (
    <Card withBorder component="section" aria-labelledby="add-person">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Title order={2} size="h4" id="add-person">
            Add a person
          </Title>
          <Text size="sm" c="dimmed">
            Each person gets their own encrypted vault of records.
          </Text>
          <ErrorNote error={error} title="Not added" />
          <Group align="end">
            <TextInput label="Name" required maxLength={200} value={name} onChange={(e) => setName(e.currentTarget.value)} style={{ flex: 1, minWidth: 180 }} />
            <Button type="submit" loading={busy}>
              Add person
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
