import { filled } from "./issues";

/**
 * A Linux network interface name as the kernel takes it (net/core/dev.c dev_valid_name): 1 to 15
 * bytes (IFNAMSIZ is 16 with the terminating NUL; a multi-byte character counts its bytes), not `.`
 * or `..`, no `/`, `:`, whitespace or control characters.
 * Flannel and MetalLB look interfaces up by exact name. `what` and `example` word the fix.
 */
export function interfaceName(what: string, example: string) {
  const problem = `is not a network interface name (at most 15 bytes, not . or .., no '/', ':', spaces or control characters). Fix: give the name \`ip -br link\` shows on the host, such as ${example}`;
  return filled(`${what}, such as ${example}, or remove the key`)
    .regex(/^[^\s/:\p{Cc}]{1,15}$/u, { message: problem })
    .refine((v) => v !== "." && v !== ".." && Buffer.byteLength(v) <= 15, { message: problem });
}
