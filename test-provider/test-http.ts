import type { Bundle } from '@medplum/fhirtypes';

/** Small fetch helpers for the test provider's own tests. */

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export async function fhirGet(url: string, token?: string): Promise<Answer> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export function nextLink(bundle: Bundle): string | undefined {
  return bundle.link?.find((link) => link.relation === 'next')?.url;
}

export function entryResources(bundle: Bundle): any[] {
  return (bundle.entry ?? []).filter((entry) => entry.search?.mode !== 'outcome').map((entry) => entry.resource);
}
