import { z } from 'zod';
import { TEMPLATE_AUDIENCES } from '../../domain/constants.js';
import { presentApiTemplate } from '../../presenters/api-v1.js';
import {
  createTemplate,
  deleteTemplate,
  findTemplate,
  listTemplates,
  TemplateInput,
  updateTemplate,
} from '../../services/settings/templates.js';
import { operation, type Operation } from './registry.js';
import { IdPath, TemplateListModel, TemplateModel } from './schemas.js';

const T = TemplateInput.shape;
const Fields = {
  name: T.name.describe('Shown when picking a template'),
  audience: z
    .enum(TEMPLATE_AUDIENCES)
    .describe("public (the status page, feeds, email; the default) or internal (the company's own channels, incidents only)"),
  kind: T.kind.describe('incident or maintenance'),
  status: T.status.describe('The lifecycle step it is for (one of its kind)'),
  title: z
    .string()
    .max(200)
    .nullable()
    .describe('Title for a first update, with {{placeholders}}; null or "" for none'),
  body: T.body.describe('Markdown with {{placeholders}} (letters, digits, underscores)'),
};

const CreateBody = z.strictObject({ ...Fields, audience: Fields.audience.optional(), title: Fields.title.optional() });

const UpdateBody = z.strictObject({
  name: Fields.name.optional(),
  audience: Fields.audience.optional(),
  kind: Fields.kind.optional(),
  status: Fields.status.optional(),
  title: Fields.title.optional(),
  body: Fields.body.optional(),
});

export function templateOperations(): Operation[] {
  return [
    operation({
      operationId: 'listTemplates',
      method: 'get',
      path: '/templates',
      tag: 'Templates',
      summary: 'List update templates',
      description: 'By kind, then in their order; public and internal alike (see `audience`).',
      permission: 'admin:read',
      response: TemplateListModel,
      async run({ deps, actor }) {
        return { data: (await listTemplates(deps, actor)).map(presentApiTemplate) };
      },
    }),
    operation({
      operationId: 'getTemplate',
      method: 'get',
      path: '/templates/{id}',
      tag: 'Templates',
      summary: 'Get one update template',
      permission: 'admin:read',
      params: IdPath,
      response: TemplateModel,
      async run({ deps, actor, params }) {
        return presentApiTemplate(await findTemplate(deps, actor, params.id));
      },
    }),
    operation({
      operationId: 'createTemplate',
      method: 'post',
      path: '/templates',
      tag: 'Templates',
      summary: 'Create an update template',
      description: 'It goes after the existing ones. Malformed {{placeholders}} are refused.',
      permission: 'templates:write',
      body: CreateBody,
      status: 201,
      response: TemplateModel,
      async run({ deps, actor, body }) {
        const id = await createTemplate(deps, actor, { ...body, title: body.title ?? undefined });
        return presentApiTemplate(await findTemplate(deps, actor, id));
      },
    }),
    operation({
      operationId: 'updateTemplate',
      method: 'patch',
      path: '/templates/{id}',
      tag: 'Templates',
      summary: 'Update an update template',
      description: 'Only the fields sent change.',
      permission: 'templates:write',
      params: IdPath,
      body: UpdateBody,
      response: TemplateModel,
      async run({ deps, actor, params, body }) {
        const current = await findTemplate(deps, actor, params.id);
        await updateTemplate(deps, actor, params.id, {
          name: body.name ?? current.name,
          audience: body.audience ?? current.audience,
          kind: body.kind ?? current.kind,
          status: body.status ?? current.status,
          title: (body.title === undefined ? current.title : body.title) ?? undefined,
          body: body.body ?? current.body,
        });
        return presentApiTemplate(await findTemplate(deps, actor, params.id));
      },
    }),
    operation({
      operationId: 'deleteTemplate',
      method: 'delete',
      path: '/templates/{id}',
      tag: 'Templates',
      summary: 'Delete an update template',
      description: 'Updates already written from it keep their text.',
      permission: 'templates:write',
      params: IdPath,
      status: 204,
      response: null,
      async run({ deps, actor, params }) {
        await deleteTemplate(deps, actor, params.id);
      },
    }),
  ];
}
