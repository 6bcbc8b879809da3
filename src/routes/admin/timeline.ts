import { Hono } from 'hono';
import { parseLocalDateTime } from '../../domain/calendar.js';
import { TIMELINE_MARKER_LABELS, TIMELINE_MARKERS, type TimelineMarker } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../lib/errors.js';
import { presentKeyTimes, presentTimelineRow } from '../../presenters/admin-timeline.js';
import { formErrors } from '../../presenters/form-errors.js';
import { formatterFor } from '../../presenters/format.js';
import { loadSettings } from '../../services/settings/reads.js';
import { addTimelineNote, deleteTimelineNote, incidentTimeline, personOf, setKeyTime, timelineAsMarkdown } from '../../services/timeline/timeline.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';
import { SCRIBE_SCRIPT, scribePagePolicy } from './scribe-script.js';

const NOTICES: Record<string, string> = {
  added: 'Added to the timeline.',
  deleted: 'Note removed (the removal is in the audit log).',
  corrected: 'Key time corrected. The reason is on the timeline.',
  reset: 'Key time back to what the data says.',
};

const NOTE_LABELS: Record<string, string> = { text: 'What happened', at: 'When', who: 'Who' };
const KEY_LABELS: Record<string, string> = { marker: 'Key time', at: 'Time', reason: 'Reason' };

type Form = Record<string, string | string[]>;
const field = (form: Form, name: string): string => (typeof form[name] === 'string' ? (form[name] as string) : '');

/** A datetime-local value in the page's zone: undefined when blank, NaN when malformed (the service refuses it). */
function localTime(text: string, timeZone: string): number | undefined {
  if (!text.trim()) return undefined;
  return parseLocalDateTime(text, timeZone) ?? Number.NaN;
}

const wantsJson = (c: AdminContext): boolean => (c.req.header('Accept') ?? '').includes('application/json');

/**
 * /admin/incidents/:id/timeline: the incident's record as it happened (read
 * by the whole team), the scribe's one-field form, the key times with their
 * corrections, and the Markdown export. Writes need comms rights.
 */
export function timelineRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, 'admin:read');
  const write = requirePermission(deps, 'incidents:write');

  const renderPage = async (c: AdminContext, extra: Record<string, unknown> = {}, status: 200 | 400 | 404 = 200) => {
    const id = c.req.param('id')!;
    const [timeline, settings] = await Promise.all([incidentTimeline(deps, c.get('actor'), id), loadSettings(deps)]);
    const format = formatterFor(settings.timeZone);
    const incident = timeline.incident;
    const response = await renderAdmin(
      c,
      deps,
      'timeline/show',
      {
        title: `Timeline: ${incident.title}`,
        incident: { id: incident.id, title: incident.title, kind: incident.kind },
        notice: NOTICES[c.req.query('done') ?? ''] ?? null,
        rows: timeline.items.map((item) => presentTimelineRow(item, format)),
        keyTimes: incident.kind === 'incident' ? presentKeyTimes(timeline.keyTimes, timeline.keyTimeReasons, format) : [],
        markers: TIMELINE_MARKERS.map((m) => ({ value: m, label: TIMELINE_MARKER_LABELS[m] })),
        markdown: timelineAsMarkdown(timeline),
        timeZone: settings.timeZone,
        note: { text: '', when: '', who: '' },
        keyForm: { marker: c.req.query('marker') ?? '', at: '', reason: '' },
        script: SCRIBE_SCRIPT,
        ...extra,
      },
      status,
    );
    response.headers.set('Content-Security-Policy', await scribePagePolicy());
    return response;
  };

  app.get('/incidents/:id/timeline', read, (c) => renderPage(c));

  app.get('/incidents/:id/timeline.md', read, async (c) => {
    const timeline = await incidentTimeline(deps, c.get('actor'), c.req.param('id'));
    c.header('Content-Type', 'text/markdown; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="timeline-${timeline.incident.id}.md"`);
    c.header('Cache-Control', 'no-store');
    return c.body(`${timelineAsMarkdown(timeline)}\n`);
  });

  app.post('/incidents/:id/timeline/notes', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const settings = await loadSettings(deps);
    const at = localTime(field(form, 'when'), settings.timeZone);
    try {
      const entry = await addTimelineNote(deps, c.get('actor'), id, {
        text: field(form, 'text'),
        ...(at !== undefined ? { at } : {}),
        ...(field(form, 'who').trim() ? { who: field(form, 'who') } : {}),
      });
      if (!wantsJson(c)) return c.redirect(`/admin/incidents/${id}/timeline?done=added#entry-${entry.id}`, 303);
      const format = formatterFor(settings.timeZone);
      const row = presentTimelineRow({ at: entry.at, type: 'note', event: entry.text, who: entry.who ?? personOf(entry.author), detail: null, entryId: entry.id }, format);
      const html = deps.views.render('admin/timeline/row', { row, csrf: c.get('csrf'), incidentId: id, canWrite: true });
      c.header('Cache-Control', 'no-store');
      return c.json({ id: entry.id, at: entry.at, text: entry.text, html }, 201);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      const errors = formErrors(error, NOTE_LABELS, 'Not added.');
      if (wantsJson(c)) {
        const detail = errors.fields ? ` ${Object.entries(errors.fields).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ')}` : '';
        return c.json({ error: { code: error.code, message: `${errors.message}${detail}` } }, 400);
      }
      return renderPage(c, { errors, note: { text: field(form, 'text'), when: field(form, 'when'), who: field(form, 'who') } }, 400);
    }
  });

  app.post('/incidents/:id/timeline/notes/:entryId/delete', write, async (c) => {
    const id = c.req.param('id');
    await deleteTimelineNote(deps, c.get('actor'), id, c.req.param('entryId'));
    return c.redirect(`/admin/incidents/${id}/timeline?done=deleted`, 303);
  });

  app.post('/incidents/:id/timeline/key-times', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const settings = await loadSettings(deps);
    const reset = field(form, 'action') === 'reset';
    const at = reset ? null : (localTime(field(form, 'at'), settings.timeZone) ?? Number.NaN);
    try {
      await setKeyTime(deps, c.get('actor'), id, { marker: field(form, 'marker') as TimelineMarker, at, reason: field(form, 'reason') });
      return c.redirect(`/admin/incidents/${id}/timeline?done=${reset ? 'reset' : 'corrected'}#key-times`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      return renderPage(
        c,
        { keyErrors: formErrors(error, KEY_LABELS, 'Not changed.'), keyForm: { marker: field(form, 'marker'), at: field(form, 'at'), reason: field(form, 'reason') } },
        400,
      );
    }
  });

  return app;
}
