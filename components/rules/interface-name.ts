import { filled } from "./issues";

/**
 * A Linux network interface name as the kernel takes it (net/core/dev.c dev_valid_name): 1 to 15
 * characters (IFNAMSIZ is 16 with the terminating NUL), not `.` or `..`, no `/`, `:` or whitespace.
 * Flannel and MetalLB look interfaces up by exact name. `what` and `example` word the fix.
 */
export function interfaceName(what: string, example: string) {
  const problem = `is not a network interface name (at most 15 characters, not . or .., no '/', ':' or spaces). Fix: give the name \`ip -br link\` shows on the host, such as ${example}`;
  return filled(`${what}, such as ${example}, or remove the key`)
    .regex(/^[^\s/:]{1,15}$/, { message: problem })
    .refine((v) => v !== "." && v !== "..", { message: problem });
}
