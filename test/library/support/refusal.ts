import { MockState } from "../../support/mocks";
import { drain } from "../../stack/support/harness";
import { ConfigError } from "../../../components/rules/errors";
import { STACK_WORDS } from "./words";

/**
 * The problems of a library construction that must be refused: `build` throws a ConfigError and
 * nothing is registered, not even the component. With `allowStackWords` the problems may use the
 * stack's wording; by default none does (a library user writes code, not a stack file).
 */
export async function refusalProblems(state: MockState, build: () => unknown, opts: { allowStackWords?: boolean } = {}): Promise<string[]> {
  const before = state.resources.length;
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  await drain();
  expect(error).toBeInstanceOf(ConfigError);
  expect(state.resources.length).toBe(before);
  const problems = (error as ConfigError).problems;
  if (!opts.allowStackWords) for (const p of problems) expect(p).not.toMatch(STACK_WORDS);
  return problems;
}
