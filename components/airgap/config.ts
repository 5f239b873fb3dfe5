import { z } from "zod";
import { parseConfig } from "../rules/errors";
import { filled } from "../rules/issues";

export const AIRGAP_KEY = "airgap";

export const airgapSchema = z
  .object({
    /** Bundle written by `npm run airgap`, relative to the project directory. */
    bundleDir: filled("the directory 'npm run airgap' wrote, such as airgap-bundle"),
  })
  .strict();
export type AirgapConfig = z.output<typeof airgapSchema>;

/** Parses `k3s-stacks:airgap`. */
export function parseAirgapConfig(raw: unknown): AirgapConfig {
  return parseConfig(airgapSchema, raw, AIRGAP_KEY);
}
