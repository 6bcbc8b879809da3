// What the fan-out benchmark publishes: a SEV-1 on the REST API and sign-in,
// then two follow-ups, each with as much Markdown (a list and a link), so
// that every drain composes alike.
import type { PageIds } from './population.js';

export interface DeclareBody {
  title: string;
  severity: 1;
  body: string;
  components: { component_id: string; status: 'major_outage' | 'partial_outage' }[];
}

/** The body of `POST /api/v1/incidents` for the SEV-1. */
export function declareBody(ids: PageIds): DeclareBody {
  return {
    title: 'REST API unavailable, sign-in degraded',
    severity: 1 as const,
    body:
      'We are investigating a **major outage of the REST API**: most requests fail with HTTP 503. ' +
      'Signing in to the dashboard is slow and sometimes fails.\n\n' +
      '- webhooks are queued and will be delivered once the API recovers\n' +
      '- data already stored is not affected\n\n' +
      'Next update within 30 minutes. Follow along on [the status page](https://status.example.com).',
    components: [
      { component_id: ids.affected[0]!.id, status: 'major_outage' as const },
      { component_id: ids.affected[1]!.id, status: 'partial_outage' as const },
    ],
  };
}

/** The follow-up, with as much Markdown as the first (a list and a link), so both drains compose alike. */
export const SECOND_UPDATE = {
  status: 'identified' as const,
  body:
    'We identified the cause: a **database failover** left the API fleet connected to a read-only replica. ' +
    'We are moving the servers back to the primary.\n\n' +
    '- sign-in has recovered\n' +
    '- queued webhooks will be delivered in order\n\n' +
    'Next update within 30 minutes. Details on [the status page](https://status.example.com).',
};

/** The update published on the rate-limited Herald. */
export const THIRD_UPDATE = {
  status: 'monitoring' as const,
  body:
    'A fix is in place: the API fleet is back on the **primary database** and error rates are normal again.\n\n' +
    '- webhooks queued during the outage are being delivered\n' +
    '- sign-in has been working normally for 20 minutes\n\n' +
    'We keep monitoring. Details on [the status page](https://status.example.com).',
};
