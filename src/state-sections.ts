import * as z from 'zod';
import { alertsSectionSchema, outboxSectionSchema } from './alerts/section-schemas.ts';
import { ALERTS_SECTION, OUTBOX_SECTION } from './alerts/types.ts';
import { recoverySectionSchema } from './recovery/files.ts';
import { RECOVERY_SECTION } from './recovery/types.ts';
import type { SectionSchemas } from './state/schema.ts';
import { CLI_COSTS_SECTION, cliCostsSectionSchema } from './self/cli-costs.ts';

/** The agent's record of itself (AgentInfo); every key optional, since `status` reads it partially. */
const agentSectionSchema = z.looseObject({
  pid: z.number().int().positive().optional(),
  startedAt: z.string().optional(),
  gateway: z.string().optional(),
  configPath: z.string().nullable().optional(),
  notifiers: z.array(z.string()).optional(),
  notifierProblems: z.array(z.string()).optional(),
  stoppedAt: z.string().optional(),
});

/** Every section of the state file with a known owner, validated when the file is loaded. */
export const SECTION_SCHEMAS: SectionSchemas = {
  agent: agentSectionSchema,
  [ALERTS_SECTION]: alertsSectionSchema,
  [OUTBOX_SECTION]: outboxSectionSchema,
  [RECOVERY_SECTION]: recoverySectionSchema,
  [CLI_COSTS_SECTION]: cliCostsSectionSchema,
};
