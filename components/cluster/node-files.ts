import * as path from "node:path";
import { z } from "zod";
import { required } from "../rules/required";
import { stringInput } from "../rules/inputs";
import { ConfigError, ConfigRoot, keyPath, settingName } from "../rules/errors";
import { CONFIG_FILE, STATE_DIR, TOKEN_FILE } from "../k3s/node-config";
import { DROP_IN_DIR } from "../k3s/host/dropins";
import { NodeFile } from "../k3s/types";

const role = z.enum(["server", "agent"]);

/** One of K3sCluster's `files`: checked for its form here, for where it writes by checkNodeFiles. */
export const fileSchema = z
  .object({
    path: required(z.string().regex(/^\/[^\0]*$/, { message: "must be an absolute path on the node. Fix: write it like /etc/rancher/k3s/registries.yaml" }), {
      description: "the file's absolute path on the node",
      examples: ["/etc/rancher/k3s/registries.yaml"],
    }),
    content: required(stringInput, { description: "the file's content, a string or an Output of one" }),
    mode: z.string().regex(/^0?[0-7]{3}$/, { message: "must be an octal file mode. Fix: write it like 0600 or 0644" }).optional(),
    roles: z.array(role).optional(),
    secret: z.boolean().optional(),
  })
  .strict();

/**
 * Why k3s-stacks cannot let a `files` entry write `file` (a normalized absolute path), or undefined.
 * - config.yaml is rendered from the checked settings and contributions; the entry would replace it.
 * - k3s reads `config.yaml.d/*.yaml` and `*.yml` after config.yaml, in file-name order, a key there
 *   replacing config.yaml's or adding to its list (shared/reference §2 "Config file location"); such a
 *   drop-in would pass keys to k3s that no check has seen.
 *   The suffix is matched in any case, as k3s matches it (pkg/configfilearg `dotDFiles`, HasSuffixI).
 * - The join token file and k3s-stacks' own records on the node are written by k3s-stacks.
 * - A file where one of those directories must be (config.yaml.d, /etc/rancher/k3s, the state
 *   directory, or a directory above them) would stop k3s reading its configuration, or the install.
 */
function writtenByK3sStacks(file: string, root: ConfigRoot): string | undefined {
  const checked = `pass its keys in ${settingName(root, ["serverConfig"])} or ${settingName(root, ["agentConfig"])}, or in a contribution (${settingName(root, ["contributions"])}), where they are checked against k3s's and Kubernetes' rules, and remove this entry`;
  if (file === CONFIG_FILE) return `is k3s's configuration file, which k3s-stacks renders from the checked settings; this entry would replace it with keys no check has seen. Fix: ${checked}`;
  if (path.posix.dirname(file) === DROP_IN_DIR && /\.ya?ml$/i.test(file)) {
    return `is a drop-in k3s reads after ${CONFIG_FILE}, its keys replacing or adding to the checked ones, so they would reach k3s without any check. Fix: ${checked}`;
  }
  if (file === TOKEN_FILE) return "holds the join token k3s-stacks generates; this entry would replace it and the node could not join. Fix: remove this entry";
  const below = [CONFIG_FILE, DROP_IN_DIR, TOKEN_FILE, STATE_DIR].find((p) => p.startsWith(`${file}/`));
  if (below !== undefined || file === DROP_IN_DIR) {
    return `is where a directory k3s-stacks or k3s needs must be (it holds ${below ?? `the drop-ins k3s reads after ${CONFIG_FILE}`}); a file there stops k3s from reading its configuration. Fix: write the file elsewhere`;
  }
  if (file === STATE_DIR || file.startsWith(`${STATE_DIR}/`)) return `is in ${STATE_DIR}, where k3s-stacks keeps its own records of the node (managed labels, rollouts). Fix: write the file elsewhere`;
  return undefined;
}

/**
 * `files` entries (K3sCluster's args) on paths k3s-stacks writes or k3s reads as its configuration,
 * as "key: what is wrong. Fix: ..." lines naming `root`'s `files[i].path`. Paths are compared after
 * removing `.`, `..` and doubled slashes, as the node's filesystem resolves them.
 */
export function nodeFileProblems(files: Pick<NodeFile, "path">[], root: ConfigRoot): string[] {
  return files.flatMap((f, i) => {
    const wrong = writtenByK3sStacks(path.posix.normalize(f.path).replace(/\/+$/, ""), root);
    return wrong ? [`${keyPath(root, ["files", i, "path"])}: '${f.path}' ${wrong}.`] : [];
  });
}

/** Throws a ConfigError with {@link nodeFileProblems}. */
export function checkNodeFiles(files: Pick<NodeFile, "path">[], root: ConfigRoot): void {
  const problems = nodeFileProblems(files, root);
  if (problems.length) throw new ConfigError(problems);
}
