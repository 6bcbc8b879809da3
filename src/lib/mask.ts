/*
 * What may be shown of a secret URL (a destination's webhook URL holds the
 * token that lets anyone post to the channel): the scheme, the host and, when
 * the path goes on after it, a short first segment ("/services", "/api",
 * "/v1"), then an ellipsis. The admin, the API and the audit log all show
 * this and nothing more.
 */

/** A first path segment longer than this may be the token itself: it is hidden too. */
const MAX_SHOWN_SEGMENT = 24;

/** "https://hooks.slack.com/services/T000/B000/XXXX" -> "https://hooks.slack.com/services/…" */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '…';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `${parsed.protocol}…`;
  const segments = parsed.pathname.split('/').filter(Boolean);
  const first = segments[0];
  const showFirst = first !== undefined && segments.length > 1 && first.length <= MAX_SHOWN_SEGMENT;
  return `${parsed.protocol}//${parsed.host}/${showFirst ? `${first}/` : ''}…`;
}

/** "hooks.slack.com" (with the port, if any): the part of an endpoint's URL that may be shown and logged. */
export function urlHost(url: string): string {
  try {
    return new URL(url).host.toLowerCase() || '(unknown host)';
  } catch {
    return '(unknown host)';
  }
}
