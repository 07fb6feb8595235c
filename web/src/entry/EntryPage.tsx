import { Alert, Breadcrumbs, Button, FileInput, Group, NativeSelect, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { get, post, put, seg } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import { usePerson } from '../session.tsx';
import { ErrorNote, Loading, useLoad } from '../ui.tsx';
import { buildEncounter, buildResource, ENTRY_KINDS, EntryProblem, formOf, STATUSES, type Coded, type EntryForm, type EntryKind } from './build.ts';
import { CodePicker } from './CodePicker.tsx';

type Json = Record<string, any>; // FHIR shapes as they come
interface Bundle {
  entry?: { resource: Json }[];
}

/** The FHIR API's body limit is 1 MiB; base64 grows a file by a third. */
const MAX_FILE_BYTES = 700 * 1024;
const today = () => new Date().toISOString().slice(0, 10);

const WHAT_LABEL: Record<EntryKind, string> = {
  condition: 'Condition',
  medication: 'Medicine',
  allergy: 'Allergic to',
  immunization: 'Vaccine',
  lab: 'Test',
  vital: 'Measurement',
  procedure: 'Procedure',
  note: 'Title',
  document: 'Kind of document',
};
const DATE_LABEL: Record<EntryKind, string> = {
  condition: 'Since',
  medication: 'Started',
  allergy: 'Since',
  immunization: 'Given on',
  lab: 'Taken on',
  vital: 'Measured on',
  procedure: 'Done on',
  note: 'Visit date',
  document: 'Date of the document',
};

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new Error('the file cannot be read'));
    reader.readAsDataURL(file);
  });
}

/**
 * Adds a record by hand, or edits one entered by hand (`edit`): the form, the visit it belongs to
 * (none, an existing Encounter or a new one), saved through the FHIR API, which validates it and
 * records the account as who entered it.
 */
export function EntryPage({ pid, edit }: { pid: string; edit?: { type: string; id: string } }) {
  const person = usePerson(pid);
  const fhir = `/fhir/${seg(pid)}`;
  const existing = useLoad(edit ? `${fhir}/${edit.type}/${edit.id}` : null, () => get<Json>(`${fhir}/${seg(edit!.type)}/${seg(edit!.id)}`));
  const visits = useLoad(`${fhir}/Encounter`, () => get<Bundle>(`${fhir}/Encounter?_sort=-date&_count=30`));
  const [form, setForm] = useState<EntryForm>({ kind: 'condition', patient: '', what: { text: '' }, date: today() });
  const [visit, setVisit] = useState('none');
  const [newVisit, setNewVisit] = useState({ date: today(), reason: '' });
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!existing.data) return;
    const loaded = formOf(existing.data);
    if (loaded) {
      setForm(loaded);
      setVisit(loaded.encounter ?? 'none');
    }
  }, [existing.data]);

  const set = (patch: Partial<EntryForm>) => setForm((current) => ({ ...current, ...patch }));
  const kindInfo = ENTRY_KINDS.find((entry) => entry.kind === form.kind)!;
  const statuses = STATUSES[form.kind];

  /** The person's Patient resource, made from their name the first time someone enters a record. */
  async function patientReference(): Promise<string> {
    if (form.patient) return form.patient;
    const found = await get<Bundle>(`${fhir}/Patient?_count=1`);
    const id = found.entry?.[0]?.resource.id ?? (await post<Json>(`${fhir}/Patient`, { resourceType: 'Patient', name: [{ text: person?.name ?? 'Unnamed' }] })).id;
    return `Patient/${id}`;
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setError(null);
    try {
      let attachment = form.attachment;
      if (form.kind === 'document' && file) {
        if (file.size > MAX_FILE_BYTES) throw new EntryProblem(`The file is too large (${Math.round(file.size / 1024)} KB): at most ${MAX_FILE_BYTES / 1024} KB.`);
        if (!/^(image\/(jpeg|png|webp|gif)|application\/pdf)$/.test(file.type)) throw new EntryProblem('Choose a photo (JPEG, PNG, WebP) or a PDF.');
        attachment = { contentType: file.type, data: await readBase64(file), title: file.name, size: file.size };
      }
      // Checks the form before anything is written (a new visit or Patient would otherwise be left over).
      buildResource({ ...form, patient: form.patient || 'Patient/check', ...(attachment ? { attachment } : {}), encounter: undefined } as EntryForm);
      setSaving(true);
      const patient = await patientReference();
      let encounter: string | undefined = visit === 'none' ? undefined : visit;
      if (visit === 'new') encounter = `Encounter/${(await post<Json>(`${fhir}/Encounter`, buildEncounter(patient, newVisit.date, newVisit.reason))).id}`;
      const { encounter: _old, ...rest } = form;
      const resource = buildResource({ ...rest, patient, ...(encounter ? { encounter } : {}), ...(attachment ? { attachment } : {}) });
      const saved = edit
        ? // If-Match: an edit made elsewhere meanwhile is not silently overwritten (412, R4 http.html#concurrency).
          await put<Json>(`${fhir}/${seg(edit.type)}/${seg(edit.id)}`, { ...resource, id: edit.id }, { 'If-Match': `W/"${String(existing.data?.meta?.versionId ?? '')}"` })
        : await post<Json>(`${fhir}/${seg(kindInfo.type)}`, resource);
      navigate(`/people/${seg(pid)}/records/${seg(String(saved.resourceType))}/${seg(String(saved.id))}`);
    } catch (caught) {
      if (caught instanceof EntryProblem) setProblem(caught.message);
      else setError(caught);
    } finally {
      setSaving(false);
    }
  }

  if (edit && existing.loading) return <Loading />;
  if (edit && existing.error) return <ErrorNote error={existing.error} title="This record cannot be edited" />;
  const visitOptions = (visits.data?.entry ?? []).map(({ resource }) => ({
    value: `Encounter/${resource.id}`,
    label: `${String(resource.period?.start ?? '').slice(0, 10) || 'undated'} · ${resource.type?.[0]?.text ?? resource.type?.[0]?.coding?.[0]?.display ?? resource.class?.display ?? 'visit'}`,
  }));
  if (form.encounter && !visitOptions.some((option) => option.value === form.encounter)) visitOptions.unshift({ value: form.encounter, label: 'the visit it was entered with' });

  return (
    <Stack maw={640} component="form" onSubmit={save}>
      <Breadcrumbs>
        <Link to={`/people/${seg(pid)}/records`}>Records</Link>
        <Text span>{edit ? 'Edit' : 'Add a record'}</Text>
      </Breadcrumbs>
      <Title order={1} size="h2">
        {edit ? 'Edit a record you entered' : `Add a record for ${person?.name ?? 'this person'}`}
      </Title>
      <Text size="sm" c="dimmed">
        Saved as entered by you; it can be changed or deleted later, and every version is kept.
      </Text>
      <NativeSelect
        label="What kind of record"
        value={form.kind}
        disabled={Boolean(edit)}
        onChange={(event) => set({ kind: event.currentTarget.value as EntryKind, what: { text: '' }, status: undefined })}
        data={ENTRY_KINDS.map((entry) => ({ value: entry.kind, label: entry.label }))}
      />
      {kindInfo.codes && (
        <CodePicker
          key={form.kind}
          label={WHAT_LABEL[form.kind]}
          subset={kindInfo.codes.subset}
          kind={kindInfo.codes.kind}
          required={form.kind !== 'note' && form.kind !== 'document'}
          value={form.what}
          onChange={(what: Coded, unit?: string) => set({ what, ...(unit !== undefined && (form.kind === 'lab' || form.kind === 'vital') ? { unit } : {}) })}
        />
      )}
      {(form.kind === 'lab' || form.kind === 'vital') && (
        <Group grow align="flex-start">
          <TextInput label="Value" required description={form.what.code === '85354-9' ? 'like 120/80' : 'a number, or text'} value={form.value ?? ''} onChange={(event) => set({ value: event.currentTarget.value })} />
          <TextInput label="Unit" description="UCUM, like mg/dL" value={form.unit ?? ''} onChange={(event) => set({ unit: event.currentTarget.value })} />
        </Group>
      )}
      <Group grow align="flex-start">
        <TextInput type="date" label={DATE_LABEL[form.kind]} required={['immunization', 'lab', 'vital'].includes(form.kind)} value={form.date} onChange={(event) => set({ date: event.currentTarget.value })} />
        {(form.kind === 'condition' || form.kind === 'medication') && (
          <TextInput type="date" label={form.kind === 'condition' ? 'Ended' : 'Stopped'} value={form.endDate ?? ''} onChange={(event) => set({ endDate: event.currentTarget.value })} />
        )}
      </Group>
      {statuses && <NativeSelect label="Status" value={form.status ?? statuses[0]} onChange={(event) => set({ status: event.currentTarget.value })} data={statuses} />}
      {form.kind === 'medication' && <TextInput label="Dose and how often" value={form.dosage ?? ''} onChange={(event) => set({ dosage: event.currentTarget.value })} />}
      {form.kind === 'allergy' && (
        <Group grow align="flex-start">
          <TextInput label="Reaction" value={form.reaction ?? ''} onChange={(event) => set({ reaction: event.currentTarget.value })} />
          <NativeSelect
            label="How serious"
            value={form.criticality ?? ''}
            onChange={(event) => set({ criticality: event.currentTarget.value })}
            data={[{ value: '', label: 'Not said' }, { value: 'low', label: 'Low' }, { value: 'high', label: 'High' }, { value: 'unable-to-assess', label: 'Unable to assess' }]}
          />
        </Group>
      )}
      {form.kind === 'document' && (
        <FileInput
          label="Photo or PDF of the paper record"
          description={form.attachment && !file ? `Keeps ${form.attachment.title} unless you choose another file.` : `JPEG, PNG, WebP or PDF, at most ${MAX_FILE_BYTES / 1024} KB.`}
          accept="image/jpeg,image/png,image/webp,application/pdf"
          value={file}
          onChange={setFile}
          clearable
        />
      )}
      <Textarea label={form.kind === 'note' ? 'Note' : 'Notes'} required={form.kind === 'note'} autosize minRows={form.kind === 'note' ? 5 : 2} value={form.note ?? ''} onChange={(event) => set({ note: event.currentTarget.value })} />
      <NativeSelect
        label="Visit"
        description="The visit (encounter) this belongs to."
        value={visit}
        onChange={(event) => setVisit(event.currentTarget.value)}
        data={[{ value: 'none', label: 'No visit' }, { value: 'new', label: 'A new visit…' }, ...visitOptions]}
      />
      {visit === 'new' && (
        <Group grow align="flex-start">
          <TextInput type="date" label="Visit date" required value={newVisit.date} onChange={(event) => setNewVisit({ ...newVisit, date: event.currentTarget.value })} />
          <TextInput label="Reason or place" value={newVisit.reason} onChange={(event) => setNewVisit({ ...newVisit, reason: event.currentTarget.value })} />
        </Group>
      )}
      {problem && (
        <Alert color="red" role="alert" title="Please check the form">
          {problem}
        </Alert>
      )}
      <ErrorNote error={error} title="The record was not saved" />
      <Group>
        <Button type="submit" loading={saving}>
          {edit ? 'Save changes' : 'Save record'}
        </Button>
        {edit && (
          <Button variant="default" onClick={() => navigate(`/people/${seg(pid)}/records/${seg(edit.type)}/${seg(edit.id)}`)}>
            Cancel
          </Button>
        )}
      </Group>
    </Stack>
  );
}
