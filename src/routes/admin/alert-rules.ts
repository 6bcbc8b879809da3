import { Hono } from 'hono';
import type { AlertRuleRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';
import {
  AUTO_STATUS_OPTIONS,
  EMPTY_RULE_FORM,
  parseMatchers,
  presentRule,
  RULE_SEVERITY_OPTIONS,
  ruleFormValues,
  ruleInputOf,
  ruleValuesOf,
  SOURCE_OPTIONS,
  type RuleFormValues,
} from '../../presenters/admin-alert-rules.js';
import { CreateRuleInput, createRule, deleteRule, findRule, listRules, updateRule } from '../../services/alerts/rules.js';
import { parseInput } from '../../services/validation.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

/** Messages after a write (PRG), by key. */
const NOTICES: Record<string, string> = {
  created: 'Rule saved. New alerts are matched against it from now on; drafts already open keep their components.',
  saved: 'Rule saved. It applies to alerts that arrive from now on.',
  moved: 'Order saved. Rules are tried from the top; the first that matches wins.',
  deleted: 'Rule deleted. Alerts it matched now arrive unassigned unless another rule matches them.',
};

interface FormState {
  values: RuleFormValues;
  errors?: { message: string; fields?: Record<string, string[]> };
}

type Fields = Record<string, string[]>;

/** The service's refusal, keyed by the form's fields ("matchers.service" is the matchers field). */
function fieldsOf(error: ValidationError): Fields {
  const fields: Fields = {};
  for (const [key, messages] of Object.entries(error.fields ?? {})) {
    const name = key.split('.')[0]!;
    (fields[name === '_' ? 'name' : name] ??= []).push(...messages);
  }
  return fields;
}

/**
 * The form's input, or the refusal naming every field at once: the
 * matchers' lines are checked here, the rest by the service's own schema.
 */
function checked(values: RuleFormValues): { input: CreateRuleInput } | { fields: Fields } {
  const { matchers, errors } = parseMatchers(values.matchers);
  const input = ruleInputOf(values, matchers);
  if (!errors.length) return { input };
  const fields: Fields = { matchers: errors };
  try {
    parseInput(CreateRuleInput, { ...input, matchers: {} });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    Object.assign(fields, fieldsOf(error));
    fields.matchers = errors;
  }
  return { fields };
}

const refusal = (fields: Fields): FormState['errors'] => ({ message: 'Nothing was saved. Check the fields marked below.', fields });

/** /admin/alerts/rules: which alerts map to which components and severity. Admins change them; the team reads them. */
export function alertRuleRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, 'admin:read');
  const write = requirePermission(deps, 'components:write');

  app.get('/alerts/rules', read, async (c) => {
    const [rules, components] = await Promise.all([listRules(deps, c.get('actor')), deps.repos.components.list()]);
    const byId = new Map(components.map((x) => [x.id, x]));
    return renderAdmin(c, deps, 'alerts/rules', {
      title: 'Alert rules',
      notice: NOTICES[c.req.query('done') ?? ''] ?? null,
      rules: rules.map((r) => presentRule(r, byId)),
    });
  });

  const renderForm = async (c: AdminContext, state: FormState, rule: AlertRuleRow | null, status: 200 | 400 = 200) => {
    const components = await deps.repos.components.list();
    return renderAdmin(
      c,
      deps,
      'alerts/rule-form',
      {
        title: rule ? `Edit rule: ${rule.name}` : 'New alert rule',
        rule: rule ? { id: rule.id, name: rule.name } : null,
        form: state,
        sources: SOURCE_OPTIONS,
        severities: RULE_SEVERITY_OPTIONS,
        autoStatuses: AUTO_STATUS_OPTIONS,
        components: components.map((x) => ({ id: x.id, name: x.name, hidden: x.hidden })),
      },
      status,
    );
  };

  app.get('/alerts/rules/new', write, (c) => renderForm(c, { values: EMPTY_RULE_FORM }, null));

  app.post('/alerts/rules/new', write, async (c) => {
    const values = ruleFormValues(await formOf(c));
    const result = checked(values);
    if ('fields' in result) return renderForm(c, { values, errors: refusal(result.fields) }, null, 400);
    try {
      const rule = await createRule(deps, c.get('actor'), result.input);
      return c.redirect(`/admin/alerts/rules?done=created#r-${rule.id}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderForm(c, { values, errors: refusal(fieldsOf(error)) }, null, 400);
    }
  });

  app.get('/alerts/rules/:id/edit', write, async (c) => {
    const rule = await findRule(deps, c.get('actor'), c.req.param('id'));
    return renderForm(c, { values: ruleValuesOf(rule) }, rule);
  });

  app.post('/alerts/rules/:id/edit', write, async (c) => {
    const rule = await findRule(deps, c.get('actor'), c.req.param('id'));
    const values = ruleFormValues(await formOf(c));
    const result = checked(values);
    if ('fields' in result) return renderForm(c, { values, errors: refusal(result.fields) }, rule, 400);
    try {
      await updateRule(deps, c.get('actor'), rule.id, result.input);
      return c.redirect(`/admin/alerts/rules?done=saved#r-${rule.id}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderForm(c, { values, errors: refusal(fieldsOf(error)) }, rule, 400);
    }
  });

  app.post('/alerts/rules/:id/move', write, async (c) => {
    const rule = await findRule(deps, c.get('actor'), c.req.param('id'));
    const direction = (await formOf(c)).direction;
    if (direction !== 'up' && direction !== 'down') throw new ValidationError('Choose to move the rule up or down.', { direction: ['must be up or down'] });
    const count = (await listRules(deps, c.get('actor'))).length;
    const position = direction === 'up' ? Math.max(1, rule.position - 1) : Math.min(count, rule.position + 1);
    if (position !== rule.position) await updateRule(deps, c.get('actor'), rule.id, { position });
    return c.redirect(`/admin/alerts/rules?done=moved#r-${rule.id}`, 303);
  });

  app.get('/alerts/rules/:id/delete', write, async (c) => {
    const [rule, components] = await Promise.all([findRule(deps, c.get('actor'), c.req.param('id')), deps.repos.components.list()]);
    return renderAdmin(c, deps, 'alerts/rule-delete', {
      title: `Delete rule: ${rule.name}`,
      rule: presentRule(rule, new Map(components.map((x) => [x.id, x]))),
    });
  });

  app.post('/alerts/rules/:id/delete', write, async (c) => {
    await deleteRule(deps, c.get('actor'), c.req.param('id'));
    return c.redirect('/admin/alerts/rules?done=deleted', 303);
  });

  return app;
}
