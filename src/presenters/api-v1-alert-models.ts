import { z } from 'zod';
import type { IngestResult } from '../services/alerts/intake.js';
import { Id, model } from './api-v1-models.js';

/*
 * The management API's alert models (see api-v1-models.ts: one zod
 * definition each, types inferred) and the mapping to them.
 */

export const AlertIntakeResultModel = model(
  'AlertIntakeResult',
  z.strictObject({
    received: z.number().int().describe('Alerts in the request'),
    firing: z.number().int().describe('New firing alerts recorded'),
    repeated: z.number().int().describe('Alerts already firing: nothing changed (Alertmanager repeats every repeat_interval)'),
    resolved: z.number().int().describe('Firing alerts this request resolved'),
    ignored: z.number().int().describe('Resolutions of alerts not firing here (unknown or already resolved), and beats that change nothing'),
    opened: z.array(Id).describe('Draft incidents this request opened'),
    drafts: z.array(Id).describe("Every draft the request's alerts are on"),
    test: z.boolean().describe("True for a source's test notification (Uptime Kuma's Test button): accepted, nothing recorded"),
  }),
);
export type ApiAlertIntakeResult = z.input<typeof AlertIntakeResultModel>;

export function presentIntakeResult(result: IngestResult, test = false): ApiAlertIntakeResult {
  return { ...result, test };
}
