// Words for the codes a provider connection or a sync ends with. The server sends Hearth's own
// error codes only (smart-routes puts nothing but the code into the callback's redirect, so no
// provider text is reflected); a person should read what happened and what to do, not a code.

/** Why the provider's redirect back (/callback/<sourceId>) did not connect: `?error=<code>`. */
const CONNECT_ERRORS: Record<string, string> = {
  forbidden:
    'The provider did not authorise Hearth, or its answer did not match a connection started in this browser in the last 10 minutes. Try connecting again.',
  provider: 'The provider’s answer was refused (it failed Hearth’s checks). Try again; if it keeps failing, the provider app’s settings may not match the provider’s.',
  'not-found': 'That connection no longer exists. Start it again from Connect a provider.',
  outbound_refused: 'Hearth may not reach this provider’s address (only https, or addresses the owner allowlisted).',
  outbound_failed: 'The provider could not be reached. Try again later.',
};

export function connectErrorText(code: string): string {
  return CONNECT_ERRORS[code] ?? `The connection did not complete (${code}). Try again.`;
}

/** Why a sync job failed as a whole (`job.error`). */
const SYNC_ERRORS: Record<string, string> = {
  reconnect_needed: 'the provider no longer accepts Hearth’s authorisation: reconnect',
  provider: 'the provider’s answer was refused',
  outbound_refused: 'the provider’s address is not allowed',
  outbound_failed: 'the provider could not be reached',
  unsupported: 'syncs are not available on this server',
  internal: 'an error inside Hearth (see the server log)',
};

export function syncErrorText(code: string): string {
  return SYNC_ERRORS[code] ?? code;
}

/**
 * A per-type problem of a sync (`results[type].errors[].code`, sync/*.ts): an HTTP status in words,
 * the other codes (paging_loop, invalid_resource, …) read as words.
 */
export function syncIssueText(code: string): string {
  const http = /^http_(\d{3})$/.exec(code);
  if (http) return `the provider answered ${http[1]} (error)`;
  return code.replace(/_/g, ' ');
}
