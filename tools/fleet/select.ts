import { SiteDefinition } from "./types";

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

function matches(site: SiteDefinition, selector: string): boolean {
  const eq = selector.indexOf("=");
  if (eq > 0) {
    const key = selector.slice(0, eq);
    const value = selector.slice(eq + 1);
    if (key === "ring") return String(site.fleet.ring) === value;
    if (key === "environment") return site.fleet.environment === value;
    return site.fleet.labels[key] === value;
  }
  return selector.includes("*") ? globToRegExp(selector).test(site.name) : site.name === selector;
}

/**
 * Sites chosen by `--sites`: each selector is a name, a glob (`ber-*`) or `key=value` on the fleet
 * block (`ring=0`, `environment=prod`, `tier=retail` from labels). No selectors = every site.
 * A plain name that matches nothing is an error (a typo would otherwise roll out nothing).
 */
export function selectSites(sites: readonly SiteDefinition[], selectors: readonly string[]): SiteDefinition[] {
  const wanted = selectors.map((s) => s.trim()).filter(Boolean);
  if (wanted.length === 0) return [...sites];
  const unknown = wanted.filter((s) => !s.includes("*") && !s.includes("=") && !sites.some((x) => x.name === s));
  if (unknown.length) {
    throw new Error(`--sites: no site named ${unknown.join(", ")}. Fix: use names of files under stacks/sites/ (without .yaml).`);
  }
  return sites.filter((site) => wanted.some((sel) => matches(site, sel)));
}
