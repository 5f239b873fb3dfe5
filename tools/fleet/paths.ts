/** Where site files live, relative to the repo root. */
export const SITES_DIR = "stacks/sites";
