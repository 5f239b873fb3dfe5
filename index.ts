// Entry point for `pulumi up`: the stack is built by stacks/main.ts; its result becomes the stack outputs.
import { main } from "./stacks/main";
import { limitStackTraces } from "./stacks/stack-traces";

limitStackTraces(process.env);
// A function, not main()'s promise: Pulumi's cmd/run calls it and awaits the result at once. A
// promise started while the module loads would reject (a config error) while cmd/run still does
// other asynchronous work, so Node reported it as unhandled and then, once awaited, printed a
// PromiseRejectionHandledWarning.
export = () => main();
