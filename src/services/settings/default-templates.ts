import type { AnyIncidentStatus, IncidentKind, TemplateAudience } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';

/**
 * The templates a new Herald page starts with, one per lifecycle step (two
 * for "investigating": the first update and the "no news yet" one). Written
 * for Herald: impact first, in the customer's words, never a guessed cause or
 * an ETA nobody can keep, no blaming a vendor, and always saying when the next
 * update comes. The team edits or deletes them like any other template.
 */
export interface DefaultTemplate {
  /** A stable id, so two processes starting at once cannot insert the set twice. */
  id: string;
  name: string;
  /** Left out: public. */
  audience?: TemplateAudience;
  kind: IncidentKind;
  status: AnyIncidentStatus;
  /** For the first update of an incident or a maintenance. */
  title: string | null;
  body: string;
}

export const DEFAULT_TEMPLATES: readonly DefaultTemplate[] = [
  {
    id: 'defaultinvestigating',
    name: 'Investigating: first update',
    kind: 'incident',
    status: 'investigating',
    title: 'Problems with {{affected_service}}',
    body:
      'You may see {{impact}} when using {{affected_service}}. We know about it and we are investigating now.\n\n' +
      'We are sorry for the disruption. We will post the next update by {{next_update_time}}, or sooner if we learn more.',
  },
  {
    id: 'defaultstillinvestigating',
    name: 'Still investigating: no news yet',
    kind: 'incident',
    status: 'investigating',
    title: null,
    body:
      'We are still investigating {{impact}} on {{affected_service}}. We have not found the cause yet, and we would rather ' +
      'tell you that than guess. The team is fully on it.\n\n' +
      'We are sorry this is taking time. Next update by {{next_update_time}}, sooner if anything changes.',
  },
  {
    id: 'defaultidentified',
    name: 'Identified: working on a fix',
    kind: 'incident',
    status: 'identified',
    title: null,
    body:
      'We have found what is causing {{impact}} on {{affected_service}}: {{what_we_know}}\n\n' +
      'What we are doing: {{what_we_are_doing}} Until the fix is in place you may still see {{impact}}.\n\n' +
      'Next update by {{next_update_time}}.',
  },
  {
    id: 'defaultmonitoring',
    name: 'Monitoring: fix in place',
    kind: 'incident',
    status: 'monitoring',
    title: null,
    body:
      'We have put a fix in place and {{affected_service}} is recovering. We are watching it closely to make sure the fix ' +
      'holds before we call this resolved.\n\n' +
      'If you still see {{impact}}, please try again; if it keeps happening, contact our support team so we can look at ' +
      'your case. Next update by {{next_update_time}}.',
  },
  {
    id: 'defaultresolved',
    name: 'Resolved',
    kind: 'incident',
    status: 'resolved',
    title: null,
    body:
      'This incident is resolved: {{affected_service}} is working normally again. Between {{start_time}} and {{end_time}} ' +
      'you may have seen {{impact}}.\n\n' +
      'We are sorry for the disruption, and thank you for your patience. This is our last update on this incident; if ' +
      'anything changes, we will post it here straight away.',
  },
  {
    id: 'defaultmaintscheduled',
    name: 'Maintenance scheduled',
    kind: 'maintenance',
    status: 'scheduled',
    title: 'Planned maintenance on {{affected_service}}',
    body:
      'We will carry out planned maintenance on {{affected_service}} from {{start_time}} to {{end_time}} ({{duration}}).\n\n' +
      'What to expect: {{impact}}\n\n' +
      'We will post the next update here when the work starts, at {{start_time}}, and again when it is complete.',
  },
  {
    id: 'defaultmaintstarted',
    name: 'Maintenance started',
    kind: 'maintenance',
    status: 'in_progress',
    title: null,
    body:
      'The planned maintenance on {{affected_service}} has started. As announced, you may notice some disruption while ' +
      'the work is under way.\n\n' +
      'We will post the next update when the work is complete, by {{end_time}} at the latest.',
  },
  {
    id: 'defaultmaintverifying',
    name: 'Maintenance verifying',
    kind: 'maintenance',
    status: 'verifying',
    title: null,
    body:
      'The maintenance work on {{affected_service}} is done, and we are now checking that everything works as it ' +
      'should.\n\nNext update by {{next_update_time}}.',
  },
  {
    id: 'defaultmaintcompleted',
    name: 'Maintenance completed',
    kind: 'maintenance',
    status: 'completed',
    title: null,
    body:
      'The planned maintenance on {{affected_service}} is complete. Thank you for your patience.\n\n' +
      'If something still does not work as expected, please contact our support team. This is our last update on this ' +
      'maintenance.',
  },
];

/** meta key: set once the default templates were offered, so deleting them later does not bring them back. */
export const DEFAULT_TEMPLATES_META_KEY = 'default_templates';

/**
 * The templates the company's own channels start with (destinations: Slack,
 * Teams, ...): the declaration, the structured internal update and the
 * resolution with its postmortem promise. Plain facts for colleagues, not
 * customer prose; every blank is a placeholder, so the same guard refuses to
 * send one half filled in. Added once per installation, like the public ones.
 */
export const DEFAULT_INTERNAL_TEMPLATES: readonly DefaultTemplate[] = [
  {
    id: 'defaultinternaldeclaration',
    name: 'Declaration',
    audience: 'internal',
    kind: 'incident',
    status: 'investigating',
    title: null,
    body:
      '**{{severity}} declared:** {{what}}\n\n' +
      '- **Impact:** {{impact}}\n' +
      '- **Started:** {{started}}\n' +
      '- **Incident Commander:** {{incident_commander}}\n' +
      '- **Comms Lead:** {{comms_lead}}\n' +
      '- **Status:** {{status}}\n' +
      '- **War room:** {{war_room}}\n' +
      '- **Dashboard:** {{dashboard}}\n' +
      '- **Runbook:** {{runbook}}\n\n' +
      'Join the war room if you are working on it; everyone else, follow this channel for updates.',
  },
  {
    id: 'defaultinternalupdate',
    name: 'Internal update',
    audience: 'internal',
    kind: 'incident',
    status: 'identified',
    title: null,
    body:
      '- **Status:** {{status}}\n' +
      '- **What we know:** {{what_we_know}}\n' +
      "- **What we're doing:** {{what_we_are_doing}}\n" +
      '- **Impact:** {{impact}}\n' +
      '- **Next update:** {{next_update_time}}\n' +
      '- **Duration so far:** {{duration}}',
  },
  {
    id: 'defaultinternalresolution',
    name: 'Resolution',
    audience: 'internal',
    kind: 'incident',
    status: 'resolved',
    title: null,
    body:
      '**Resolved** after {{duration}}.\n\n' +
      '- **What happened:** {{what_happened}}\n' +
      '- **Mitigation:** {{mitigation}}\n' +
      '- **Customer impact:** {{customer_impact}}\n\n' +
      'Postmortem due {{postmortem_due}}. Thank you, everyone who helped.',
  },
];

/** meta key: set once the internal default templates were offered (existing pages get them on their next start). */
export const DEFAULT_INTERNAL_TEMPLATES_META_KEY = 'default_internal_templates';

type SeedDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

/**
 * Adds the default templates once per installation (new and existing pages
 * alike). Safe when two processes start at once: the fixed ids make the
 * second insert fail as a whole, and the marker is then already set.
 */
export async function ensureDefaultTemplates(deps: SeedDeps): Promise<{ added: number }> {
  return ensureTemplateSet(deps, DEFAULT_TEMPLATES, DEFAULT_TEMPLATES_META_KEY);
}

/** The same, for the internal templates: a page that predates them gets them once, after its own. */
export async function ensureDefaultInternalTemplates(deps: SeedDeps): Promise<{ added: number }> {
  return ensureTemplateSet(deps, DEFAULT_INTERNAL_TEMPLATES, DEFAULT_INTERNAL_TEMPLATES_META_KEY);
}

async function ensureTemplateSet(deps: SeedDeps, set: readonly DefaultTemplate[], metaKey: string): Promise<{ added: number }> {
  if (await deps.repos.settings.getMeta(metaKey)) return { added: 0 };
  const now = deps.clock.now();
  const after = (await deps.repos.templates.list()).reduce((max, t) => Math.max(max, t.position), -1) + 1;
  try {
    await deps.db.atomic([
      ...set.map((t, i) => deps.repos.templates.insert({ ...t, audience: t.audience ?? 'public', position: after + i, createdAt: now, updatedAt: now })),
      deps.repos.settings.setMeta(metaKey, 'added'),
    ]);
  } catch (error) {
    if (await deps.repos.settings.getMeta(metaKey)) return { added: 0 };
    throw error;
  }
  return { added: set.length };
}
