/**
 * Hash routing: #/keys, #/keys/<KeyId>, #/text, #/files, #/sign, #/activity, #/recovery,
 * #/security, #/learn, #/learn/<lesson>, #/learn/glossary/<term>. The hash keeps every view
 * addressable offline, with no server routes and nothing for the service worker to know.
 */
export type Route =
  | { page: 'keys' }
  | { page: 'key'; keyId: string }
  | { page: 'text' }
  | { page: 'files' }
  | { page: 'sign' }
  | { page: 'activity' }
  | { page: 'recovery' }
  | { page: 'security' }
  | { page: 'learn' }
  | { page: 'lesson'; lesson: string; term?: string }
  | { page: 'not-found'; path: string };

/** The Recovery & backup page (issue 11 §4): set-up, backups, restore. */
export const RECOVERY_HREF = '#/recovery';

/** The Security page (issue 12 §3): the vault lock. */
export const SECURITY_HREF = '#/security';

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '' || path === '/' || path === '/keys') return { page: 'keys' };
  if (path === '/text') return { page: 'text' };
  if (path === '/files') return { page: 'files' };
  if (path === '/sign') return { page: 'sign' };
  if (path === '/activity') return { page: 'activity' };
  if (path === RECOVERY_HREF.slice(1)) return { page: 'recovery' };
  if (path === SECURITY_HREF.slice(1)) return { page: 'security' };
  if (path === '/learn') return { page: 'learn' };
  const lesson = /^\/learn\/([a-z0-9-]+)(?:\/([a-z0-9-]+))?$/.exec(path);
  if (lesson?.[1]) {
    return { page: 'lesson', lesson: lesson[1], ...(lesson[2] && { term: lesson[2] }) };
  }
  const key = /^\/keys\/([^/]+)$/.exec(path);
  if (key?.[1]) {
    try {
      return { page: 'key', keyId: decodeURIComponent(key[1]) };
    } catch {
      // A malformed escape sequence: fall through to "not found".
    }
  }
  return { page: 'not-found', path };
}

export function keyHref(keyId: string): string {
  return `#/keys/${encodeURIComponent(keyId)}`;
}

export class HashRouter {
  route = $state.raw<Route>(parseHash(location.hash));

  /** Starts following the location; returns the function that stops. */
  listen(): () => void {
    const update = (): void => {
      this.route = parseHash(location.hash);
    };
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }
}
