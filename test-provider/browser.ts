/**
 * Plays the user's browser through the provider's authorization endpoint: follows the redirects
 * (authorization endpoint → auto-approving interaction → resume) carrying the provider's cookies,
 * and stops at the first redirect to the client's redirect_uri. Returns that URL, which holds
 * `code`, `state` and `iss` (or `error`) for the client to check. No HTML, no clicking: the test
 * provider's interactions approve on their own.
 */
export async function followAuthorization(authorizationUrl: string | URL, redirectUri: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 10; hop++) {
    if (url.href.startsWith(redirectUri)) return url;
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const separator = pair!.indexOf('=');
      const name = pair!.slice(0, separator).trim();
      const value = pair!.slice(separator + 1).trim();
      // An expired cookie (Max-Age=0 / past Expires) is the server deleting it.
      if (/max-age=0/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`followAuthorization: expected a redirect, got ${response.status} at ${url.pathname}`);
    }
    url = new URL(location, url);
  }
  throw new Error('followAuthorization: too many redirects');
}
